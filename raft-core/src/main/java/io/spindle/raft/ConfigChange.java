package io.spindle.raft;

/**
 * A single-server membership change (thesis §4.1): add a learner, promote a learner to voter,
 * remove a member, give a member a new address, record the storage a member answers from, or take
 * back a voter whose storage changed. At most one change is pending (uncommitted) at a time, and a
 * new leader proposes none before it has committed an entry of its own term.
 */
public sealed interface ConfigChange {
  record AddLearner(Member member) implements ConfigChange {}

  /**
   * The learner becomes a voter. The leader records the storage the learner answers from with it,
   * so that a voter's storage is always known.
   */
  record Promote(NodeId id) implements ConfigChange {}

  record Remove(NodeId id) implements ConfigChange {}

  /**
   * The member {@code member.id()} is now reached at {@code member.address()} (it restarted
   * elsewhere); it keeps its place as voter or learner, and its storage, so no quorum changes.
   */
  record Readdress(Member member) implements ConfigChange {}

  /**
   * Records the storage of a member recorded without one ({@link StorageId#UNKNOWN}); its place
   * does not change. The leader proposes it by itself once the member answers.
   */
  record Identify(NodeId id, StorageId storage) implements ConfigChange {}

  /**
   * The member answers from another storage than the one recorded: its disk was wiped or replaced,
   * so it may have forgotten entries it acknowledged and votes it cast. It stays in the
   * configuration as a learner under its new storage, catches up, and votes again only once it is
   * promoted. The leader proposes it by itself.
   */
  record Rejoin(NodeId id, StorageId storage) implements ConfigChange {}
}
