package io.spindle.raft;

import java.util.Map;

/**
 * A leader's single-server membership changes (thesis §4.1) and the storage identity of members
 * (see {@link StorageId}): the rules a change must pass (one pending at a time, none before the
 * leader's first commit of its term, a voter's storage always recorded), the configuration taking
 * effect when appended (followers to replicate to, removed peers still told of their removal in
 * {@link DepartingPeers}, a transfer to a removed voter given up), which answers come from the
 * storage the configuration records, and the changes that bring the records in line with the
 * storage members answer from. Works on the followers' {@link Progress}, a map the node owns and
 * shares with it; entries are proposed through the node.
 *
 * <p><b>Threading:</b> single-threaded, owned by one {@link RaftNode} and called only from its
 * driver's thread, only while the node leads.
 */
final class MembershipChanges {
  private final RaftNode node;
  private final NodeId id;
  private final StorageId storage;
  private final ConfigurationHistory configurations;
  private final Map<NodeId, Progress> progress;
  private final LeadershipTransfer transfer;
  private final DepartingPeers departing = new DepartingPeers();

  /** The index of the latest configuration entry that may not be committed yet. */
  private long pendingConfigIndex;

  MembershipChanges(
      RaftNode node,
      NodeId id,
      StorageId storage,
      ConfigurationHistory configurations,
      Map<NodeId, Progress> progress,
      LeadershipTransfer transfer) {
    this.node = node;
    this.id = id;
    this.storage = storage;
    this.configurations = configurations;
    this.progress = progress;
    this.transfer = transfer;
  }

  /**
   * A new leader's log ends at {@code lastIndex}: any configuration entry up to it not yet known to
   * be committed may still be pending (§4.1).
   */
  void leaderStarted(long lastIndex) {
    pendingConfigIndex = lastIndex;
  }

  /** Forgets the removed peers of a leadership that ended (or starts). */
  void resetLeaderState() {
    departing.clear();
  }

  /**
   * Proposes {@code change} as the leader; {@code beforeTermCommit} lets it skip the wait for the
   * leader's first commit of its term (the simulation's negative control, never set otherwise).
   */
  ProposeResult propose(ConfigChange change, boolean beforeTermCommit) {
    long commitIndex = node.commitIndex();
    long leaderTermStart = node.leaderTermStart();
    if (commitIndex < leaderTermStart && !beforeTermCommit) {
      // Thesis §4.1 (erratum of 2015): configurations take effect when appended, so a leader that
      // changed membership before committing an entry of its own term could commit under a quorum
      // that a change it does not know of, appended by a previous leader, would not allow; two
      // leaders could then commit different entries at one index. Its no-op commits first.
      return new ProposeResult.Rejected(
          "this leader has not yet committed an entry of its term "
              + node.term()
              + " (entry "
              + leaderTermStart
              + "); retry the membership change shortly");
    }
    if (pendingConfigIndex > commitIndex) {
      return new ProposeResult.Rejected(
          "a membership change (entry "
              + pendingConfigIndex
              + ") is still pending; retry after it");
    }
    if (change instanceof ConfigChange.Remove r && r.id().equals(id)) {
      return new ProposeResult.Rejected(
          "the leader cannot remove itself; transfer leadership first, then remove it");
    }
    Configuration next;
    try {
      next = configurations.latest().apply(change);
      if (change instanceof ConfigChange.Promote promote) {
        next = withStorageOfPromoted(next, promote.id());
      }
    } catch (IllegalArgumentException e) {
      return new ProposeResult.Rejected(e.getMessage());
    }
    ProposeResult result = node.proposeEntry(EntryType.CONFIG, ConfigurationCodec.encode(next));
    if (result instanceof ProposeResult.Accepted a) {
      pendingConfigIndex = a.index();
      if (change instanceof ConfigChange.Rejoin rejoin && progress.containsKey(rejoin.id())) {
        // A new storage holds none of what the old one acknowledged: replicate it from scratch.
        Progress fresh = new Progress(rejoin.id(), node.lastIndex());
        fresh.storageSeen = rejoin.storage();
        progress.put(rejoin.id(), fresh);
      }
      // §4.1: a server uses the latest configuration in its log, committed or not.
      configurations.record(a.index(), next);
      onConfigurationChanged(a.index());
    }
    return result;
  }

  /**
   * A voter's storage is always recorded: a learner promoted while its storage is unknown gets the
   * one it answers the leader from; one that never answered is not promoted yet.
   */
  private Configuration withStorageOfPromoted(Configuration next, NodeId promoted) {
    if (next.storageOf(promoted).isKnown()) {
      return next;
    }
    Progress p = progress.get(promoted);
    StorageId seen = p == null ? StorageId.UNKNOWN : p.storageSeen;
    if (!seen.isKnown()) {
      if (p != null && p.answeredWithoutStorage) {
        return next; // a peer that does not say (an older version): promoted as before
      }
      throw new IllegalArgumentException(
          promoted
              + " has not answered the leader yet, so the storage it votes from is unknown;"
              + " promote it once it has caught up");
    }
    return next.apply(new ConfigChange.Identify(promoted, seen));
  }

  private void onConfigurationChanged(long index) {
    if (node.role() != Role.LEADER) {
      return;
    }
    Configuration c = configurations.latest();
    for (NodeId peer : progress.keySet()) {
      if (!c.contains(peer)) {
        departing.departed(peer, index);
      }
    }
    for (Member m : c.all()) {
      departing.stayed(m.id());
      if (!m.id().equals(id) && !progress.containsKey(m.id())) {
        progress.put(m.id(), new Progress(m.id(), node.lastIndex()));
      }
    }
    transfer.onConfigurationChanged(c);
    node.maybeCommit();
  }

  /**
   * Whether an answer from {@code p}'s member comes from the storage the configuration records for
   * it. One that does not is ignored: its acknowledgements and votes were made by a disk that may
   * have forgotten them. The leader re-adds such a member as a learner (see {@link #tick}).
   */
  boolean fromRecordedStorage(Progress p, StorageId answering) {
    if (!answering.isKnown()) {
      p.answeredWithoutStorage = true;
    }
    return configurations.latest().storageOf(p.id).accepts(answering);
  }

  /**
   * Called once a leader's tick: stops replicating to removed peers that have had time to learn of
   * their removal, then records the storage of members.
   */
  void tick(long commitIndex, int electionTicks) {
    departing.forgetDeparted(commitIndex, electionTicks, progress);
    recordStorageOfMembers();
  }

  /**
   * Brings the configuration in line with the storage members answer from, one change at a time:
   * records the storage of a member recorded without one, and takes a voter that answers from
   * another storage back as a learner under it ({@link ConfigChange.Rejoin}), so that it catches up
   * from scratch and votes again only once promoted. Decided on answers to the latest heartbeats,
   * so that a late answer from a disk that is gone does not undo the change.
   */
  private void recordStorageOfMembers() {
    long commitIndex = node.commitIndex();
    if (pendingConfigIndex > commitIndex
        || commitIndex < node.leaderTermStart()
        || transfer.target() != null) {
      return;
    }
    Configuration c = configurations.latest();
    if (!c.storageOf(id).isKnown() && c.contains(id) && storage.isKnown()) {
      node.proposeConfigChange(new ConfigChange.Identify(id, storage));
      return;
    }
    for (Member m : c.all()) {
      Progress p = progress.get(m.id());
      if (p == null || !p.storageSeen.isKnown() || p.storageSeen.equals(m.storage())) {
        continue;
      }
      ConfigChange change =
          m.storage().isKnown()
              ? new ConfigChange.Rejoin(m.id(), p.storageSeen)
              : new ConfigChange.Identify(m.id(), p.storageSeen);
      if (node.proposeConfigChange(change) instanceof ProposeResult.Accepted) {
        return;
      }
    }
  }
}
