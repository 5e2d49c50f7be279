package io.spindle.raft.message;

import io.spindle.raft.NodeId;

/**
 * A leader's heartbeat (§5.2): asserts leadership and carries the commit index the follower may use
 * (at most its match index). {@code readContext} is non-zero when the heartbeat round confirms
 * leadership for ReadIndex requests (thesis §6.4).
 */
public record Heartbeat(NodeId from, NodeId to, long term, long commit, long readContext)
    implements Message {}
