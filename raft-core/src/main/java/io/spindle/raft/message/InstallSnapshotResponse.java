package io.spindle.raft.message;

import io.spindle.raft.NodeId;
import io.spindle.raft.StorageId;

/**
 * The answer to an {@link InstallSnapshot} chunk: {@code nextOffset} is the byte the follower
 * expects next ({@code -1} when the chunk was refused and the transfer must restart at 0), and
 * {@code done} says the whole snapshot at {@code snapshotIndex} is installed; {@code storage} is
 * the follower's (see {@link RequestVoteResponse}).
 */
public record InstallSnapshotResponse(
    NodeId from,
    NodeId to,
    long term,
    long snapshotIndex,
    long nextOffset,
    boolean done,
    StorageId storage)
    implements Message {
  public InstallSnapshotResponse {
    storage = storage == null ? StorageId.UNKNOWN : storage;
  }

  public InstallSnapshotResponse(
      NodeId from, NodeId to, long term, long snapshotIndex, long nextOffset, boolean done) {
    this(from, to, term, snapshotIndex, nextOffset, done, StorageId.UNKNOWN);
  }
}
