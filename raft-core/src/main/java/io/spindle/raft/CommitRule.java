package io.spindle.raft;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * The leader's commit rule (§5.3, §5.4.2): the highest index stored on a majority of the voters
 * (the leader counting itself only up to what is durable) commits, if its entry is of the leader's
 * term. A commit frees the proposal budget it covers and, once the leader's first entry of its term
 * commits, lets the reads waiting for it go on.
 *
 * <p><b>Threading:</b> single-threaded, owned by one {@link RaftNode} (leader state) and called
 * only from its driver's thread.
 */
final class CommitRule {
  private final RaftNode node;
  private final NodeId id;
  private final RaftLog log;
  private final Map<NodeId, Progress> progress;
  private final UncommittedBudget uncommitted;
  private final ReadOnlyRequests reads;

  CommitRule(
      RaftNode node,
      NodeId id,
      RaftLog log,
      Map<NodeId, Progress> progress,
      UncommittedBudget uncommitted,
      ReadOnlyRequests reads) {
    this.node = node;
    this.id = id;
    this.log = log;
    this.progress = progress;
    this.uncommitted = uncommitted;
    this.reads = reads;
  }

  /** §5.3, §5.4.2: commit the highest index stored on a majority, if it is of the current term. */
  void maybeCommit() {
    Configuration c = node.configuration();
    List<Long> matches = new ArrayList<>();
    for (NodeId voter : c.voterIds()) {
      if (voter.equals(id)) {
        matches.add(log.durableIndex());
      } else {
        Progress p = progress.get(voter);
        matches.add(p == null ? 0 : p.match);
      }
    }
    if (matches.isEmpty()) {
      return;
    }
    matches.sort(Collections.reverseOrder());
    long candidate = matches.get(c.quorum() - 1);
    if (candidate <= node.commitIndex() || log.termAt(candidate) != node.term()) {
      return;
    }
    node.leaderCommit(candidate);
    uncommitted.release(candidate);
    if (candidate >= node.leaderTermStart()) {
      reads.retryReadsAwaitingTermCommit();
    }
  }
}
