package io.spindle.raft.sim;

import java.util.Arrays;

/**
 * The cluster-wide record of what has been committed: the chained hash at every committed index, as
 * first seen. Every later commit, on any node, must agree with it (state machine safety), and every
 * leader's log must contain it (leader completeness).
 */
final class CommittedRecord {
  private long[] chain = new long[1024];
  private long maxCommitted;

  long maxCommitted() {
    return maxCommitted;
  }

  long hashAt(long index) {
    if (index > maxCommitted) {
      throw new AssertionError(index + " was never committed (max " + maxCommitted + ")");
    }
    return chain[(int) index];
  }

  /**
   * Records that {@code disk}'s log has committed up to {@code commit}; returns an error message if
   * it contradicts what was committed before.
   */
  String record(String node, SimDisk disk, long commit) {
    long floor = disk.snapshotIndex();
    if (commit <= maxCommitted) {
      if (commit >= floor && disk.chainHash(commit) != chain[(int) commit]) {
        return node + " committed a different entry at " + commit + " than was committed before";
      }
      return null;
    }
    long from = Math.max(maxCommitted, floor);
    if (from > maxCommitted) {
      return node
          + " commits "
          + commit
          + " beyond a snapshot at "
          + floor
          + " of entries never"
          + " committed (max "
          + maxCommitted
          + ")";
    }
    if (disk.chainHash(maxCommitted) != chain[(int) maxCommitted]) {
      return node + " commits " + commit + " on a log that differs at " + maxCommitted;
    }
    if (commit >= chain.length) {
      chain = Arrays.copyOf(chain, (int) Math.max(chain.length * 2L, commit + 1));
    }
    for (long i = maxCommitted + 1; i <= commit; i++) {
      chain[(int) i] = disk.chainHash(i);
    }
    maxCommitted = commit;
    return null;
  }
}
