package io.spindle.raft;

/**
 * A single-server membership change (thesis §4.1): add a learner, promote a learner to voter,
 * remove a member, or give a member a new address. At most one change is pending (uncommitted) at a
 * time.
 */
public sealed interface ConfigChange {
  record AddLearner(Member member) implements ConfigChange {}

  record Promote(NodeId id) implements ConfigChange {}

  record Remove(NodeId id) implements ConfigChange {}

  /**
   * The member {@code member.id()} is now reached at {@code member.address()} (it restarted
   * elsewhere); it keeps its place as voter or learner, so no quorum changes.
   */
  record Readdress(Member member) implements ConfigChange {}
}
