package io.spindle.raft.server;

import io.spindle.raft.HardState;
import io.spindle.raft.LogStore;
import io.spindle.raft.SnapshotMeta;
import io.spindle.raft.SnapshotStore;
import io.spindle.raft.StorageId;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * Everything a node keeps on stable storage: the log, the hard state (term and vote) and the
 * snapshots, plus the two stream operations the state machine needs on snapshots.
 *
 * <p><b>Threading:</b> after construction, called only on the driver's thread (the log and snapshot
 * store are handed to the core, which runs there too). <b>Blocking:</b> local I/O only.
 * <b>Errors:</b> {@link io.spindle.raft.StorageException}, which stops the node.
 */
public interface RaftStorage extends AutoCloseable {
  /** The identity of this storage, drawn when it was first created (see {@link StorageId}). */
  StorageId storageId();

  LogStore log();

  SnapshotStore snapshots();

  /** The persisted term and vote, or {@link HardState#INITIAL} for a new node. */
  HardState loadHardState();

  /** Persists the term and vote durably (fsync) before returning. */
  void saveHardState(HardState hardState);

  /**
   * Writes a snapshot the local state machine produces through {@code content}, durably, but does
   * not make it the latest yet: {@link SnapshotDraft#commit()} does. Unlike the other methods, this
   * one may run on any one thread (the apply thread), concurrently with the driver's use of the
   * storage, so that dumping a large state machine never holds up the driver.
   *
   * @param meta the snapshot's index, term and configuration; its size is ignored
   */
  SnapshotDraft writeSnapshot(SnapshotMeta meta, SnapshotContent content);

  /** Opens a stored snapshot (the latest, or one just received) for the state machine to read. */
  InputStream openSnapshot(SnapshotMeta meta);

  /** Releases files; the driver using it must have stopped. */
  @Override
  void close();

  /** A snapshot written in full and synced, but not yet the latest. */
  interface SnapshotDraft {
    SnapshotMeta meta();

    /**
     * Makes it the {@link SnapshotStore#latest()} snapshot (on the driver's thread).
     *
     * @return the stored snapshot's metadata, with its size
     */
    SnapshotMeta commit();

    /** Throws it away (on any thread); nothing of it is left behind. */
    void discard();
  }

  /** Writes a snapshot's bytes; {@link StateMachine#takeSnapshot} fits. */
  @FunctionalInterface
  interface SnapshotContent {
    void writeTo(OutputStream out) throws IOException;
  }
}
