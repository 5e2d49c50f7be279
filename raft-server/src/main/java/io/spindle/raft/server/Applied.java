package io.spindle.raft.server;

/**
 * A committed and applied proposal: the log position it got and what the state machine returned.
 */
public record Applied(long index, long term, byte[] result) {}
