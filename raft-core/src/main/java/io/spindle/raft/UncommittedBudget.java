package io.spindle.raft;

import java.util.ArrayDeque;

/**
 * A leader's flow control for proposals (etcd's {@code uncommittedSize}): the bytes it accepted
 * beyond its commit index, by entry, so that it answers "busy" instead of growing its log without
 * bound while followers lag. A proposal is always accepted when nothing awaits commit, however
 * large it is.
 *
 * <p><b>Threading:</b> single-threaded, owned by one {@link RaftNode} (leader state) and called
 * only from its driver's thread.
 */
final class UncommittedBudget {
  private final RaftSettings config;
  private long bytes;

  /** The entries not yet committed, in log order: {index, size}. */
  private final ArrayDeque<long[]> sizes = new ArrayDeque<>();

  UncommittedBudget(RaftSettings config) {
    this.config = config;
  }

  /** The bytes an entry carrying {@code data} counts for, as {@link Entry#sizeInBytes()}. */
  static long sizeOf(byte[] data) {
    return data.length + 24L;
  }

  /** The bytes accepted and not yet committed. */
  long bytes() {
    return bytes;
  }

  /** Whether a proposal of {@code size} bytes would exceed the budget and must be refused. */
  boolean exceededBy(long size) {
    return bytes + size > config.maxUncommittedBytes() && bytes > 0;
  }

  /** The entry at {@code index}, of {@code size} bytes, was accepted. */
  void charge(long index, long size) {
    bytes += size;
    sizes.addLast(new long[] {index, size});
  }

  /** The entries up to {@code commitIndex} committed: they no longer count. */
  void release(long commitIndex) {
    while (!sizes.isEmpty() && sizes.peekFirst()[0] <= commitIndex) {
      bytes -= sizes.removeFirst()[1];
    }
  }

  /** Forgets everything (a leadership ended or starts). */
  void clear() {
    bytes = 0;
    sizes.clear();
  }
}
