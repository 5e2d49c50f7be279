package io.spindle.raft.message;

import io.spindle.raft.NodeId;

/**
 * A message between Raft peers. Every message carries the sender's term (§5.1: a node that sees a
 * higher term adopts it). Records only: the transport maps them to protobuf and back.
 */
public sealed interface Message
    permits RequestVote,
        RequestVoteResponse,
        AppendEntries,
        AppendEntriesResponse,
        Heartbeat,
        HeartbeatResponse,
        InstallSnapshot,
        InstallSnapshotResponse,
        TimeoutNow,
        ReadIndexRequest,
        ReadIndexResponse {
  NodeId from();

  NodeId to();

  long term();

  /** Approximate encoded size, for in-flight byte limits. */
  default long sizeInBytes() {
    return 64;
  }
}
