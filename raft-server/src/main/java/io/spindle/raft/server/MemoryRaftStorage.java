package io.spindle.raft.server;

import io.spindle.raft.HardState;
import io.spindle.raft.MemoryLogStore;
import io.spindle.raft.MemorySnapshotStore;
import io.spindle.raft.SnapshotMeta;
import io.spindle.raft.StorageException;
import io.spindle.raft.StorageId;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * {@link RaftStorage} in memory: nothing survives the process. For tests and for nodes that need no
 * durability.
 */
public final class MemoryRaftStorage implements RaftStorage {
  private static final java.util.concurrent.atomic.AtomicLong NEXT_STORAGE =
      new java.util.concurrent.atomic.AtomicLong(0x5EED_0000_0000_0000L);

  private final StorageId storageId = StorageId.of(NEXT_STORAGE.incrementAndGet());
  private final MemoryLogStore log = new MemoryLogStore();
  private final MemorySnapshotStore snapshots = new MemorySnapshotStore();
  private HardState hardState = HardState.INITIAL;

  /** A new one for every instance: a node given new memory storage is a new storage. */
  @Override
  public StorageId storageId() {
    return storageId;
  }

  @Override
  public MemoryLogStore log() {
    return log;
  }

  @Override
  public MemorySnapshotStore snapshots() {
    return snapshots;
  }

  @Override
  public HardState loadHardState() {
    return hardState;
  }

  @Override
  public void saveHardState(HardState hardState) {
    this.hardState = hardState;
  }

  @Override
  public SnapshotDraft writeSnapshot(SnapshotMeta meta, SnapshotContent content) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      content.writeTo(out);
    } catch (IOException e) {
      throw new StorageException("could not write snapshot " + meta.index() + ": " + e, e);
    }
    byte[] data = out.toByteArray();
    return new SnapshotDraft() {
      @Override
      public SnapshotMeta meta() {
        return meta;
      }

      @Override
      public SnapshotMeta commit() {
        snapshots.save(meta, data);
        return snapshots.latest().orElseThrow();
      }

      @Override
      public void discard() {}
    };
  }

  @Override
  public InputStream openSnapshot(SnapshotMeta meta) {
    SnapshotMeta latest =
        snapshots
            .latest()
            .orElseThrow(() -> new StorageException("no snapshot " + meta.index() + " is stored"));
    if (latest.index() != meta.index() || latest.term() != meta.term()) {
      throw new StorageException(
          "snapshot " + meta.index() + " was replaced by snapshot " + latest.index());
    }
    return new ByteArrayInputStream(snapshots.latestData());
  }

  @Override
  public void close() {}
}
