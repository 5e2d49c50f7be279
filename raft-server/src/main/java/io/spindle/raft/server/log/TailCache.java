package io.spindle.raft.server.log;

import io.spindle.raft.Entry;
import java.util.ArrayList;
import java.util.List;

/**
 * The most recently appended entries, kept in memory up to a byte budget. A leader sends each new
 * entry to every follower and then applies it; serving those reads from here saves a read from the
 * page cache, and a copy, per follower and per apply — the bulk of the CPU a large entry costs.
 * Holds a contiguous run ending at the log's last index. Not thread-safe (the log's owner calls).
 */
final class TailCache {
  private final long budgetBytes;
  private final ArrayList<Entry> entries = new ArrayList<>();
  private int head;
  private long bytes;

  TailCache(long budgetBytes) {
    this.budgetBytes = budgetBytes;
  }

  /** Adds entries that were just appended after a possible truncation at their first index. */
  void appended(List<Entry> appended) {
    if (appended.isEmpty() || budgetBytes <= 0) {
      return;
    }
    long first = appended.get(0).index();
    truncateFrom(first);
    if (size() > 0 && entries.get(entries.size() - 1).index() != first - 1) {
      clear();
    }
    for (Entry e : appended) {
      entries.add(e);
      bytes += e.sizeInBytes();
    }
    while (bytes > budgetBytes && size() > 0) {
      bytes -= entries.get(head).sizeInBytes();
      entries.set(head++, null);
    }
    if (head > 1024 && head > entries.size() / 2) {
      entries.subList(0, head).clear();
      head = 0;
    }
  }

  /** Drops cached entries at {@code index} and after. */
  void truncateFrom(long index) {
    while (size() > 0 && entries.get(entries.size() - 1).index() >= index) {
      bytes -= entries.remove(entries.size() - 1).sizeInBytes();
    }
  }

  /** Drops cached entries up to and including {@code index}. */
  void compactTo(long index) {
    while (size() > 0 && entries.get(head).index() <= index) {
      bytes -= entries.get(head).sizeInBytes();
      entries.set(head++, null);
    }
  }

  void clear() {
    entries.clear();
    head = 0;
    bytes = 0;
  }

  /**
   * Entries {@code from..toInclusive} within {@code maxBytes} (at least one), or {@code null} when
   * {@code from} is not cached.
   */
  List<Entry> get(long from, long toInclusive, long maxBytes) {
    if (size() == 0) {
      return null;
    }
    long first = entries.get(head).index();
    long last = entries.get(entries.size() - 1).index();
    if (from < first || toInclusive > last) {
      return null;
    }
    List<Entry> out = new ArrayList<>();
    long total = 0;
    for (long i = from; i <= toInclusive; i++) {
      Entry e = entries.get(head + (int) (i - first));
      total += e.sizeInBytes();
      if (!out.isEmpty() && total > maxBytes) {
        break;
      }
      out.add(e);
    }
    return out;
  }

  private int size() {
    return entries.size() - head;
  }
}
