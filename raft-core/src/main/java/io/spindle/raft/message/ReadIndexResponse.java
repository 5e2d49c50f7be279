package io.spindle.raft.message;

import io.spindle.raft.NodeId;

/**
 * The leader's answer to a {@link ReadIndexRequest}: the index to wait for, or {@code ok=false}.
 */
public record ReadIndexResponse(
    NodeId from, NodeId to, long term, long requestId, long readIndex, boolean ok)
    implements Message {}
