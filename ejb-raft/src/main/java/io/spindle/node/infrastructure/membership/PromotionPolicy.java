package io.spindle.node.infrastructure.membership;

import io.spindle.raft.FollowerProgress;
import io.spindle.raft.NodeId;
import io.spindle.raft.server.RaftStatus;
import java.util.Comparator;
import java.util.Map;
import java.util.Optional;

/**
 * When a leader promotes a learner to voter: once it has caught up, that is, its match index is at
 * most {@code maxGap} entries behind the leader's commit index, and it was heard from recently (a
 * learner that fell silent would only weaken the quorum it joins). One at a time: none while a
 * configuration change is still uncommitted, because single-server changes must not overlap (thesis
 * §4.1). Pure: no clock, no I/O.
 */
public record PromotionPolicy(long maxGap) {
  public static final long DEFAULT_MAX_GAP = 64;

  public PromotionPolicy {
    if (maxGap < 0) {
      throw new IllegalArgumentException("the promotion gap must not be negative: " + maxGap);
    }
  }

  public static PromotionPolicy defaults() {
    return new PromotionPolicy(DEFAULT_MAX_GAP);
  }

  /**
   * The learner to promote now, the most caught-up first; empty if this node does not lead, a
   * change is pending, or no learner qualifies.
   *
   * @param status the leader's status (its configuration is the latest, committed or not)
   * @param progress the leader's view of its followers' replication
   * @param changePending whether a configuration change this node proposed is not committed yet
   */
  public Optional<NodeId> learnerToPromote(
      RaftStatus status, Map<NodeId, FollowerProgress> progress, boolean changePending) {
    if (!status.isLeader() || changePending) {
      return Optional.empty();
    }
    return progress.values().stream()
        .filter(p -> status.configuration().isLearner(p.id()))
        .filter(FollowerProgress::recentlyActive)
        .filter(p -> caughtUp(p, status.commitIndex()))
        .max(Comparator.comparingLong(FollowerProgress::matchIndex))
        .map(FollowerProgress::id);
  }

  /** Whether {@code p} is within the gap of {@code commitIndex}. */
  public boolean caughtUp(FollowerProgress p, long commitIndex) {
    return p.matchIndex() > 0 && commitIndex - p.matchIndex() <= maxGap;
  }
}
