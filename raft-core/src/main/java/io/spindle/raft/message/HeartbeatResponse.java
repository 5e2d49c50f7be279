package io.spindle.raft.message;

import io.spindle.raft.NodeId;

/**
 * The answer to a {@link Heartbeat}, echoing its read context; lastLogIndex lets the leader resume
 * replication.
 */
public record HeartbeatResponse(
    NodeId from, NodeId to, long term, long readContext, long lastLogIndex) implements Message {}
