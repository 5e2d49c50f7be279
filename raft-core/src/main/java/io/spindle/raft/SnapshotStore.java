package io.spindle.raft;

import java.util.Optional;

/**
 * Where snapshots live, as bytes the core can stream in chunks (§7). The state machine writes and
 * reads whole snapshots through the driver; the core only moves chunks between peers.
 *
 * <p><b>Threading:</b> called only from the thread that owns the {@link RaftNode}. <b>Blocking:</b>
 * may do local I/O. <b>Errors:</b> {@link StorageException}.
 */
public interface SnapshotStore {
  /** The newest complete snapshot, if any. */
  Optional<SnapshotMeta> latest();

  /**
   * Up to {@code maxBytes} bytes of the snapshot {@code meta} from {@code offset}; empty at the
   * end.
   *
   * @throws StorageException if that snapshot is no longer available (a newer one replaced it)
   */
  byte[] read(SnapshotMeta meta, long offset, int maxBytes);

  /** Starts receiving {@code meta}, dropping any partial snapshot received before. */
  void beginReceive(SnapshotMeta meta);

  /** Writes one received chunk at {@code offset}, which is always the bytes received so far. */
  void writeChunk(SnapshotMeta meta, long offset, byte[] data);

  /** Makes the received snapshot durable and the {@link #latest()} one. */
  void completeReceive(SnapshotMeta meta);
}
