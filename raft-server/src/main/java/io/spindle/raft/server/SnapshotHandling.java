package io.spindle.raft.server;

import io.spindle.raft.LogStore;
import io.spindle.raft.NodeId;
import io.spindle.raft.RaftNode;
import io.spindle.raft.SnapshotMeta;
import io.spindle.raft.StorageException;
import io.spindle.raft.server.RaftStorage.SnapshotDraft;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Optional;
import java.util.logging.Logger;

/**
 * A {@link RaftDriver}'s snapshots: restoring the state machine from the latest one as the node
 * starts, handing one from the leader to the apply thread, and committing one the apply thread
 * wrote (then compacting the log behind it).
 *
 * <p><b>Threading:</b> {@link #restoreStateMachine} on the thread that creates the driver, before
 * any of its threads start (it owns the state machine then); everything else on the driver's
 * thread. <b>Blocking:</b> restoring reads a whole snapshot into the state machine; committing a
 * written snapshot does file I/O, as the driver's persisting does; never on another thread.
 */
final class SnapshotHandling {
  /** The driver's logger: operators configure and read the node's story under that one name. */
  private static final Logger LOG = Logger.getLogger(RaftDriver.class.getName());

  private final NodeId id;
  private final RaftNode node;
  private final RaftStorage storage;
  private final Applier applier;
  private final PendingProposals proposals;
  private final RaftNodeSettings settings;

  SnapshotHandling(
      NodeId id,
      RaftNode node,
      RaftStorage storage,
      Applier applier,
      PendingProposals proposals,
      RaftNodeSettings settings) {
    this.id = id;
    this.node = node;
    this.storage = storage;
    this.applier = applier;
    this.proposals = proposals;
    this.settings = settings;
  }

  /**
   * Brings the state machine up to the latest snapshot if it is behind it, and returns how far it
   * has applied; fails if the log starts after that.
   */
  static long restoreStateMachine(
      NodeId id, StateMachine stateMachine, RaftStorage storage, LogStore log) {
    long applied = stateMachine.appliedIndex();
    Optional<SnapshotMeta> latest = storage.snapshots().latest();
    if (latest.isPresent() && latest.get().index() > applied) {
      SnapshotMeta meta = latest.get();
      loadSnapshot(stateMachine, storage, meta);
      applied = meta.index();
      LOG.info("Raft node " + id + " restored its state machine from snapshot " + meta.index());
    }
    if (applied < log.snapshotIndex()) {
      throw new StorageException(
          "the state machine of node "
              + id
              + " has applied up to "
              + applied
              + " but the log starts after "
              + log.snapshotIndex()
              + " and no snapshot covers the gap: the data directory is incomplete; restore it or"
              + " start the node empty so that it receives a snapshot");
    }
    return applied;
  }

  private static void loadSnapshot(
      StateMachine stateMachine, RaftStorage storage, SnapshotMeta meta) {
    try (InputStream in = storage.openSnapshot(meta)) {
      stateMachine.installSnapshot(in, meta);
      // Read what the state machine left: a store that checks the data at its end must see it.
      in.transferTo(OutputStream.nullOutputStream());
    } catch (IOException e) {
      throw new StorageException("could not install snapshot " + meta.index() + ": " + e, e);
    }
  }

  /**
   * Hands a snapshot from the leader to the apply thread, behind everything handed to it before.
   * Proposals it covers can no longer be told apart from entries it replaced.
   */
  void installFromLeader(SnapshotMeta meta) {
    applier.install(meta, storage.openSnapshot(meta));
    proposals.abortCoveredBy(meta);
  }

  /**
   * Makes a snapshot the apply thread wrote the latest and compacts the log behind it, unless a
   * snapshot from the leader already went further.
   */
  void commitWritten(SnapshotDraft draft) {
    SnapshotMeta meta = draft.meta();
    Optional<SnapshotMeta> latest = storage.snapshots().latest();
    if (latest.isPresent() && latest.get().index() >= meta.index()) {
      draft.discard();
      return;
    }
    SnapshotMeta saved = draft.commit();
    node.snapshotTaken(saved, settings.keepEntriesAfterSnapshot());
    LOG.info(
        () ->
            "Raft node "
                + id
                + " took snapshot "
                + saved.index()
                + "@"
                + saved.term()
                + " ("
                + saved.size()
                + " bytes)");
  }
}
