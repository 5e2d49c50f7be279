package io.spindle.raft;

import java.util.ArrayList;
import java.util.List;

/**
 * A {@link LogStore} in memory: for tests, simulations and nodes that need no durability. {@link
 * #sync()} only records how far the log is "durable", so a simulation can crash the node and keep
 * just that prefix ({@link #durableCopy()}).
 */
public final class MemoryLogStore implements LogStore {
  private final ArrayList<Entry> entries = new ArrayList<>();
  private long snapshotIndex;
  private long snapshotTerm;
  private long durableIndex;

  @Override
  public long snapshotIndex() {
    return snapshotIndex;
  }

  @Override
  public long snapshotTerm() {
    return snapshotTerm;
  }

  @Override
  public long lastIndex() {
    return snapshotIndex + entries.size();
  }

  @Override
  public long term(long index) {
    if (index == snapshotIndex) {
      return snapshotTerm;
    }
    checkRange(index);
    return entries.get((int) (index - snapshotIndex - 1)).term();
  }

  @Override
  public List<Entry> entries(long from, long toInclusive, long maxBytes) {
    checkRange(from);
    checkRange(toInclusive);
    List<Entry> out = new ArrayList<>();
    long bytes = 0;
    for (long i = from; i <= toInclusive; i++) {
      Entry e = entries.get((int) (i - snapshotIndex - 1));
      bytes += e.sizeInBytes();
      if (!out.isEmpty() && bytes > maxBytes) {
        break;
      }
      out.add(e);
    }
    return out;
  }

  @Override
  public void append(List<Entry> newEntries) {
    if (newEntries.isEmpty()) {
      return;
    }
    long first = newEntries.get(0).index();
    if (first <= snapshotIndex || first > lastIndex() + 1) {
      throw new IllegalArgumentException(
          "append at "
              + first
              + " leaves a gap or rewrites compacted entries: log is ("
              + snapshotIndex
              + ", "
              + lastIndex()
              + "]");
    }
    while (lastIndex() >= first) {
      entries.remove(entries.size() - 1);
    }
    durableIndex = Math.min(durableIndex, first - 1);
    long expect = first;
    for (Entry e : newEntries) {
      if (e.index() != expect++) {
        throw new IllegalArgumentException("entries not contiguous at " + e.index());
      }
      entries.add(e);
    }
  }

  @Override
  public void sync() {
    durableIndex = lastIndex();
  }

  /** The last index made durable by {@link #sync()}. */
  public long durableIndex() {
    return durableIndex;
  }

  @Override
  public void compact(long index, long term) {
    if (index <= snapshotIndex) {
      return;
    }
    if (index > lastIndex()) {
      reset(index, term);
      return;
    }
    int drop = (int) (index - snapshotIndex);
    entries.subList(0, drop).clear();
    snapshotIndex = index;
    snapshotTerm = term;
    durableIndex = Math.max(durableIndex, index);
  }

  @Override
  public void reset(long index, long term) {
    entries.clear();
    snapshotIndex = index;
    snapshotTerm = term;
    durableIndex = index;
  }

  /** What survives a crash: the log up to its durable index, as a new store. */
  public MemoryLogStore durableCopy() {
    MemoryLogStore copy = new MemoryLogStore();
    copy.snapshotIndex = snapshotIndex;
    copy.snapshotTerm = snapshotTerm;
    for (Entry e : entries) {
      if (e.index() <= durableIndex) {
        copy.entries.add(e);
      }
    }
    copy.durableIndex = copy.lastIndex();
    return copy;
  }

  private void checkRange(long index) {
    if (index <= snapshotIndex || index > lastIndex()) {
      throw new IllegalArgumentException(
          "index " + index + " is outside the log (" + snapshotIndex + ", " + lastIndex() + "]");
    }
  }
}
