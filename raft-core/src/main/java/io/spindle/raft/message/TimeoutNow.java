package io.spindle.raft.message;

import io.spindle.raft.NodeId;

/** Leadership transfer (thesis §3.10): the target starts an election at once. */
public record TimeoutNow(NodeId from, NodeId to, long term) implements Message {}
