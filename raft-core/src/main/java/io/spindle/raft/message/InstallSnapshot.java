package io.spindle.raft.message;

import io.spindle.raft.NodeId;
import io.spindle.raft.SnapshotMeta;

/**
 * One chunk of a snapshot (§7, Figure 13): bytes {@code [offset, offset + data.length)} of the
 * snapshot described by {@code meta}; {@code done} on the last chunk.
 */
public record InstallSnapshot(
    NodeId from, NodeId to, long term, SnapshotMeta meta, long offset, byte[] data, boolean done)
    implements Message {
  @Override
  public long sizeInBytes() {
    return 128L + data.length;
  }
}
