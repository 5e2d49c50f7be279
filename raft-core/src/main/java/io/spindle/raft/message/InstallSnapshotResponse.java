package io.spindle.raft.message;

import io.spindle.raft.NodeId;

/**
 * The answer to an {@link InstallSnapshot} chunk: {@code nextOffset} is the byte the follower
 * expects next ({@code -1} when the chunk was refused and the transfer must restart at 0), and
 * {@code done} says the whole snapshot at {@code snapshotIndex} is installed.
 */
public record InstallSnapshotResponse(
    NodeId from, NodeId to, long term, long snapshotIndex, long nextOffset, boolean done)
    implements Message {}
