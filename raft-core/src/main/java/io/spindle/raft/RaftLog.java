package io.spindle.raft;

import java.util.ArrayList;
import java.util.List;

/**
 * The log as a {@link RaftNode} sees it (etcd's {@code raftLog} with its {@code unstable} part):
 * the entries in the {@link LogStore}, the leader's proposals not yet written to it (batched per
 * Ready), and how much of the store is known to be durable. Commit and apply indexes stay with the
 * node.
 *
 * <p><b>Threading:</b> single-threaded, owned by one {@link RaftNode} and called only from its
 * driver's thread.
 */
final class RaftLog {
  private final LogStore store;

  /** Proposals accepted by the leader but not yet written to the log: batched per Ready. */
  private final List<Entry> unstable = new ArrayList<>();

  private long durableIndex;
  private boolean appendedSinceReady;

  RaftLog(LogStore store) {
    this.store = store;
  }

  /** The compaction point of the store. */
  long snapshotIndex() {
    return store.snapshotIndex();
  }

  /** The last index in the store, not counting proposals not yet flushed. */
  long storedLastIndex() {
    return store.lastIndex();
  }

  /** The term of a stored entry (see {@link LogStore#term}). */
  long storedTerm(long index) {
    return store.term(index);
  }

  /** Stored entries (see {@link LogStore#entries}). */
  List<Entry> entries(long from, long toInclusive, long maxBytes) {
    return store.entries(from, toInclusive, maxBytes);
  }

  void compact(long index, long term) {
    store.compact(index, term);
  }

  void reset(long index, long term) {
    store.reset(index, term);
  }

  /** The last index, including proposals not yet flushed. */
  long lastIndex() {
    return store.lastIndex() + unstable.size();
  }

  /** The term of the entry at {@code index}, including proposals not yet flushed; 0 for index 0. */
  long termAt(long index) {
    if (index == 0) {
      return 0;
    }
    long logLast = store.lastIndex();
    if (index > logLast) {
      return unstable.get((int) (index - logLast - 1)).term();
    }
    if (index < store.snapshotIndex()) {
      throw new IllegalStateException(
          "entry " + index + " is compacted (log starts after " + store.snapshotIndex() + ")");
    }
    return store.term(index);
  }

  /**
   * Whether the log fails to continue {@code snapshot}: too short, or another entry at its index.
   */
  boolean doesNotContinue(SnapshotMeta snapshot) {
    long index = snapshot.index();
    if (index > store.lastIndex()) {
      return true;
    }
    return index >= store.snapshotIndex() && store.term(index) != snapshot.term();
  }

  // ---------------------------------------------------------------------------------------------
  // Unstable proposals.

  /** Queues a leader's proposal; it is written to the store by the next {@link #flushUnstable}. */
  void propose(Entry entry) {
    unstable.add(entry);
  }

  boolean hasUnstable() {
    return !unstable.isEmpty();
  }

  void flushUnstable() {
    if (unstable.isEmpty()) {
      return;
    }
    store.append(unstable);
    unstable.clear();
    appendedSinceReady = true;
  }

  // ---------------------------------------------------------------------------------------------
  // Appends from a leader (§5.3).

  /** The suffix of {@code entries} we do not already hold; a conflict truncates from there. */
  List<Entry> newEntries(List<Entry> entries) {
    long last = lastIndex();
    for (int i = 0; i < entries.size(); i++) {
      Entry e = entries.get(i);
      if (e.index() > last || termAt(e.index()) != e.term()) {
        return entries.subList(i, entries.size());
      }
    }
    return List.of();
  }

  /** Writes a leader's entries, truncating a conflicting suffix; they are not durable yet. */
  void appendFromLeader(List<Entry> entries) {
    long first = entries.get(0).index();
    store.append(entries);
    appendedSinceReady = true;
    durableIndex = Math.min(durableIndex, first - 1);
  }

  /**
   * The first index of the run of {@code t} entries ending at {@code from}, looking no further back
   * than the compaction point and {@code commitIndex}.
   */
  long firstIndexOfTerm(long from, long t, long commitIndex) {
    long i = from;
    long floor = Math.max(store.snapshotIndex(), commitIndex);
    while (i - 1 > floor && termAt(i - 1) == t) {
      i--;
    }
    return i;
  }

  // ---------------------------------------------------------------------------------------------
  // Durability.

  /**
   * The last index this node knows to be on stable storage (the driver reported it synced); the
   * leader counts itself towards commit only up to here.
   */
  long durableIndex() {
    return durableIndex;
  }

  /**
   * Counts only the compaction point durable and makes the next Ready sync: after a restart the log
   * may hold entries that were never synced (see the node's constructor).
   */
  void trustOnlyCompactionPoint() {
    this.durableIndex = store.snapshotIndex();
    this.appendedSinceReady = true;
  }

  /** Whether something was appended since the last Ready, which must then sync. */
  boolean appendedSinceReady() {
    return appendedSinceReady;
  }

  /** Returns {@link #appendedSinceReady()} and clears it, as a Ready is collected. */
  boolean takeAppendedSinceReady() {
    boolean appended = appendedSinceReady;
    appendedSinceReady = false;
    return appended;
  }

  /** The driver synced everything up to {@code lastAppendedIndex} (a Ready's). */
  void synced(long lastAppendedIndex) {
    durableIndex = Math.max(durableIndex, Math.min(lastAppendedIndex, store.lastIndex()));
  }

  /**
   * Moves the log to an installed snapshot (§7): an existing entry matching the snapshot's last one
   * keeps the entries after it; otherwise the log restarts after the snapshot.
   */
  void restoreTo(SnapshotMeta meta) {
    if (doesNotContinue(meta)) {
      store.reset(meta.index(), meta.term());
      // Nothing after the snapshot is left, durable or not.
      durableIndex = meta.index();
    } else {
      // §7: an existing entry matching the snapshot's last one: keep the entries after it.
      store.compact(meta.index(), meta.term());
      durableIndex = Math.max(durableIndex, meta.index());
    }
  }
}
