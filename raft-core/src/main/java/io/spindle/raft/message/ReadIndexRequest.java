package io.spindle.raft.message;

import io.spindle.raft.NodeId;

/**
 * A follower forwards a linearizable read to the leader (thesis §6.4: "followers ... ask the leader
 * for the readIndex").
 */
public record ReadIndexRequest(NodeId from, NodeId to, long term, long requestId)
    implements Message {}
