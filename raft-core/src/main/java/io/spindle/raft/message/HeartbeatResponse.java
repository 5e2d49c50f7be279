package io.spindle.raft.message;

import io.spindle.raft.NodeId;
import io.spindle.raft.StorageId;

/**
 * The answer to a {@link Heartbeat}, echoing its read context; lastLogIndex lets the leader resume
 * replication; {@code storage} is the follower's (see {@link RequestVoteResponse}).
 */
public record HeartbeatResponse(
    NodeId from, NodeId to, long term, long readContext, long lastLogIndex, StorageId storage)
    implements Message {
  public HeartbeatResponse {
    storage = storage == null ? StorageId.UNKNOWN : storage;
  }

  public HeartbeatResponse(NodeId from, NodeId to, long term, long readContext, long lastLogIndex) {
    this(from, to, term, readContext, lastLogIndex, StorageId.UNKNOWN);
  }
}
