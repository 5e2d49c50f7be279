package io.spindle.raft.sim;

import io.spindle.raft.SnapshotMeta;
import io.spindle.raft.SnapshotStore;
import java.util.Optional;

/** The {@link SnapshotStore} a simulated node's core sees: its {@link SimDisk}'s snapshots. */
final class SimSnapshotStore implements SnapshotStore {
  private final SimDisk disk;

  SimSnapshotStore(SimDisk disk) {
    this.disk = disk;
  }

  @Override
  public Optional<SnapshotMeta> latest() {
    return Optional.ofNullable(disk.latestSnapshot());
  }

  @Override
  public byte[] read(SnapshotMeta meta, long offset, int maxBytes) {
    return disk.read(meta, offset, maxBytes);
  }

  @Override
  public void beginReceive(SnapshotMeta meta) {
    disk.beginReceive(meta);
  }

  @Override
  public void writeChunk(SnapshotMeta meta, long offset, byte[] data) {
    disk.writeChunk(meta, offset, data);
  }

  @Override
  public void completeReceive(SnapshotMeta meta) {
    disk.completeReceive(meta);
  }
}
