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
    return chain[(int) index];
  }

  long[] chainUpTo(long index) {
    if (index > maxCommitted) {
      throw new AssertionError(
          "a snapshot at " + index + " covers entries never committed (max " + maxCommitted + ")");
    }
    return Arrays.copyOf(chain, (int) index + 1);
  }

  /**
   * Records that {@code log} has committed up to {@code commit}; returns an error message if it
   * contradicts what was committed before.
   */
  String record(String node, HashedLogStore log, long commit) {
    if (commit <= maxCommitted) {
      if (log.chainHash(commit) != chain[(int) commit]) {
        return node + " committed a different entry at " + commit + " than was committed before";
      }
      return null;
    }
    if (log.chainHash(maxCommitted) != chain[(int) maxCommitted]) {
      return node + " commits " + commit + " on a log that differs at " + maxCommitted;
    }
    if (commit >= chain.length) {
      chain = Arrays.copyOf(chain, (int) Math.max(chain.length * 2L, commit + 1));
    }
    for (long i = maxCommitted + 1; i <= commit; i++) {
      chain[(int) i] = log.chainHash(i);
    }
    maxCommitted = commit;
    return null;
  }
}
