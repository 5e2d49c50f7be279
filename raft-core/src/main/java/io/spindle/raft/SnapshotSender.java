package io.spindle.raft;

import io.spindle.raft.message.InstallSnapshot;
import io.spindle.raft.message.InstallSnapshotResponse;
import java.util.Optional;

/**
 * A leader's side of InstallSnapshot (§7): streams the latest stored snapshot chunk by chunk to a
 * follower whose next entry is compacted away, one chunk in flight at a time, resending a chunk
 * whose answer did not come within an election timeout and starting over when a newer snapshot
 * replaces the one being sent. The transfer's state lives in the follower's {@link Progress} (its
 * {@link Progress.State#SNAPSHOT} state); this class holds none of its own.
 *
 * <p><b>Threading:</b> single-threaded, owned by one {@link RaftNode} and called only from its
 * driver's thread.
 */
final class SnapshotSender {
  private final RaftNode node;
  private final RaftSettings config;
  private final RaftLog log;
  private final SnapshotStore snapshots;

  SnapshotSender(RaftNode node, RaftSettings config, RaftLog log, SnapshotStore snapshots) {
    this.node = node;
    this.config = config;
    this.log = log;
    this.snapshots = snapshots;
  }

  /** Starts sending the latest snapshot to {@code p}'s follower, whose next entry is compacted. */
  void start(Progress p) {
    Optional<SnapshotMeta> latest = snapshots.latest();
    if (latest.isEmpty()) {
      throw new StorageException(
          "the log is compacted to " + log.snapshotIndex() + " but no snapshot is stored");
    }
    p.becomeSnapshot(latest.get());
    sendChunk(p);
  }

  /** Sends the next chunk, unless one is in flight. */
  void sendChunk(Progress p) {
    if (p.snapshotChunkSent) {
      return;
    }
    byte[] data;
    try {
      data = snapshots.read(p.snapshot, p.snapshotOffset, config.snapshotChunkBytes());
    } catch (StorageException replaced) {
      // A newer snapshot replaced the one being sent: start over with it.
      Optional<SnapshotMeta> latest = snapshots.latest();
      if (latest.isEmpty() || latest.get().equals(p.snapshot)) {
        throw replaced;
      }
      p.becomeSnapshot(latest.get());
      data = snapshots.read(p.snapshot, 0, config.snapshotChunkBytes());
    }
    boolean done = p.snapshotOffset + data.length >= p.snapshot.size();
    node.send(
        new InstallSnapshot(
            node.id(), p.id, node.term(), p.snapshot, p.snapshotOffset, data, done));
    p.snapshotChunkSent = true;
    p.snapshotTicksWaiting = 0;
  }

  /**
   * A follower's answer: done (it installed the snapshot, probe from there) or the offset it
   * expects next.
   */
  void onResponse(Progress p, InstallSnapshotResponse r) {
    if (p.state != Progress.State.SNAPSHOT) {
      return;
    }
    if (r.done()) {
      p.maybeUpdate(r.snapshotIndex());
      p.becomeProbe();
      node.maybeCommit();
      return;
    }
    if (r.snapshotIndex() != p.snapshot.index()) {
      return;
    }
    p.snapshotOffset = r.nextOffset() < 0 ? 0 : r.nextOffset();
    p.snapshotChunkSent = false;
  }

  /** One tick of the leader: a chunk unanswered for an election timeout is sent again. */
  void tick(Progress p) {
    if (p.state == Progress.State.SNAPSHOT
        && p.snapshotChunkSent
        && ++p.snapshotTicksWaiting >= config.electionTicks()) {
      // The chunk or its answer was lost: resend from where the follower last confirmed.
      p.snapshotChunkSent = false;
      p.snapshotTicksWaiting = 0;
    }
  }
}
