package io.spindle.raft.server;

import io.spindle.raft.RaftNode;
import io.spindle.raft.ReadResult;
import io.spindle.raft.Ready;
import io.spindle.raft.Role;
import io.spindle.raft.message.AppendEntries;
import io.spindle.raft.message.Heartbeat;
import io.spindle.raft.message.Message;
import java.util.ArrayList;
import java.util.List;

/**
 * Works off a {@link RaftDriver}'s node's {@link Ready}s in the order of their contract: persist
 * (one fsync for everything appended since the last Ready: group commit) → send → hand snapshots
 * and committed entries to the apply thread → answer read indexes → advance.
 *
 * <p><b>Threading:</b> the driver's thread only. <b>Blocking:</b> for the fsync and the hard
 * state's write, and as long as {@link PeerMessenger#send} does; an exception from storage stops
 * the node.
 */
final class ReadyHandler {
  private final RaftNode node;
  private final RaftNodeSettings settings;
  private final RaftStorage storage;
  private final MeasuredLogStore log;
  private final PeerMessenger messenger;
  private final SnapshotHandling snapshots;
  private final ApplyProgress applyProgress;
  private final PendingReads reads;
  private final LoopStats stats;

  ReadyHandler(
      RaftNode node,
      RaftNodeSettings settings,
      RaftStorage storage,
      MeasuredLogStore log,
      PeerMessenger messenger,
      SnapshotHandling snapshots,
      ApplyProgress applyProgress,
      PendingReads reads,
      LoopStats stats) {
    this.node = node;
    this.settings = settings;
    this.storage = storage;
    this.log = log;
    this.messenger = messenger;
    this.snapshots = snapshots;
    this.applyProgress = applyProgress;
    this.reads = reads;
    this.stats = stats;
  }

  /** Works off one Ready in the order of its contract. */
  void handle(Ready ready) {
    List<Message> afterSync = ready.messages();
    if (ready.mustSync()
        && ready.hardState() == null
        && settings.leaderWritesInParallel()
        && node.role() == Role.LEADER) {
      afterSync = sendReplicationFirst(afterSync);
    }
    long started = System.nanoTime();
    if (ready.mustSync()) {
      log.sync(); // one fsync for every entry appended since the last Ready: group commit
    }
    if (ready.hardState() != null) {
      storage.saveHardState(ready.hardState());
    }
    long synced = System.nanoTime();
    stats.readies++;
    if (ready.mustSync()) {
      stats.syncs++;
      stats.syncNanos += synced - started;
    }
    stats.messages += ready.messages().size();
    for (Message message : afterSync) {
      messenger.send(message);
    }
    if (ready.snapshot() != null) {
      snapshots.installFromLeader(ready.snapshot());
    }
    if (!ready.committedEntries().isEmpty()) {
      applyProgress.handToApplier(ready.committedEntries());
    }
    for (ReadResult result : ready.readResults()) {
      reads.readIndexAnswered(result);
    }
    reads.serve(applyProgress.appliedIndex());
    node.advance(ready);
  }

  /**
   * A leader's AppendEntries and heartbeats go out before its own fsync (thesis §10.2.1): the
   * followers write while the leader writes, which takes one fsync off every commit's path. The
   * core counts the leader towards a commit only with entries it reported durable, so nothing
   * commits on the strength of the leader's unsynced log. Returns the messages left for after the
   * sync.
   */
  private List<Message> sendReplicationFirst(List<Message> messages) {
    List<Message> rest = new ArrayList<>();
    for (Message message : messages) {
      if (message instanceof AppendEntries || message instanceof Heartbeat) {
        messenger.send(message);
      } else {
        rest.add(message);
      }
    }
    return rest;
  }
}
