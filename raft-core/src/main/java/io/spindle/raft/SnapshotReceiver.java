package io.spindle.raft;

import io.spindle.raft.message.InstallSnapshot;
import io.spindle.raft.message.InstallSnapshotResponse;

/**
 * A follower's side of InstallSnapshot (§7): writes the chunks of the snapshot being received to
 * the {@link SnapshotStore} in order, tells the leader the offset it expects next, and once the
 * last chunk is in has the node restore itself from it.
 *
 * <p><b>Threading:</b> single-threaded, owned by one {@link RaftNode} and called only from its
 * driver's thread.
 */
final class SnapshotReceiver {
  private final RaftNode node;
  private final SnapshotStore snapshots;
  private final StorageId storage;

  private SnapshotMeta receivingSnapshot;
  private long receivedSnapshotBytes;

  SnapshotReceiver(RaftNode node, SnapshotStore snapshots, StorageId storage) {
    this.node = node;
    this.snapshots = snapshots;
    this.storage = storage;
  }

  void receive(InstallSnapshot m) {
    NodeId id = node.id();
    long term = node.term();
    long commitIndex = node.commitIndex();
    SnapshotMeta meta = m.meta();
    if (meta.index() <= commitIndex) {
      // We already hold everything it covers.
      node.send(new InstallSnapshotResponse(id, m.from(), term, commitIndex, 0, true, storage));
      return;
    }
    if (m.offset() == 0) {
      snapshots.beginReceive(meta);
      receivingSnapshot = meta;
      receivedSnapshotBytes = 0;
    }
    if (!meta.equals(receivingSnapshot) || m.offset() != receivedSnapshotBytes) {
      long expected = meta.equals(receivingSnapshot) ? receivedSnapshotBytes : -1;
      node.send(
          new InstallSnapshotResponse(id, m.from(), term, meta.index(), expected, false, storage));
      return;
    }
    snapshots.writeChunk(meta, m.offset(), m.data());
    receivedSnapshotBytes += m.data().length;
    if (!m.done()) {
      node.send(
          new InstallSnapshotResponse(
              id, m.from(), term, meta.index(), receivedSnapshotBytes, false, storage));
      return;
    }
    snapshots.completeReceive(meta);
    receivingSnapshot = null;
    node.restoreFromSnapshot(meta);
    node.send(new InstallSnapshotResponse(id, m.from(), term, meta.index(), 0, true, storage));
  }
}
