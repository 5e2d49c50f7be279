package io.spindle.node.infrastructure.raft;

/**
 * A committed and applied proposal: the log position it got and what the state machine returned.
 */
public record Applied(long index, long term, byte[] result) {}
