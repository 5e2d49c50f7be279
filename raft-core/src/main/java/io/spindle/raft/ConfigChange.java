package io.spindle.raft;

/**
 * A single-server membership change (thesis §4.1): add a learner, promote a learner to voter, or
 * remove a member. At most one change is pending (uncommitted) at a time.
 */
public sealed interface ConfigChange {
  record AddLearner(Member member) implements ConfigChange {}

  record Promote(NodeId id) implements ConfigChange {}

  record Remove(NodeId id) implements ConfigChange {}
}
