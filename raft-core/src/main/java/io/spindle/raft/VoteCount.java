package io.spindle.raft;

import java.util.HashMap;
import java.util.Map;

/**
 * The votes of one campaign, real or PreVote (§5.2): the first answer of each node counts, and only
 * the answers of nodes the configuration holds for voters when it is counted. Won or lost once a
 * quorum of voters granted or refused.
 *
 * <p><b>Threading:</b> single-threaded, owned by one {@link RaftNode} (candidate state) and called
 * only from its driver's thread.
 */
final class VoteCount {
  private final Map<NodeId, Boolean> votes = new HashMap<>();

  /** A candidate votes for itself. */
  void voteForSelf(NodeId self) {
    votes.put(self, true);
  }

  /** {@code voter}'s answer; a later answer from the same voter does not change it. */
  void record(NodeId voter, boolean granted) {
    votes.putIfAbsent(voter, granted);
  }

  boolean won(Configuration c) {
    return count(true, c) >= c.quorum();
  }

  boolean lost(Configuration c) {
    return count(false, c) >= c.quorum();
  }

  private long count(boolean granted, Configuration c) {
    return votes.entrySet().stream()
        .filter(e -> e.getValue() == granted && c.isVoter(e.getKey()))
        .count();
  }

  void clear() {
    votes.clear();
  }
}
