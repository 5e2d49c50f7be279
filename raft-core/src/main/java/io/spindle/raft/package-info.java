/**
 * The Raft consensus algorithm as a deterministic state machine ({@link io.spindle.raft.RaftNode})
 * and the small SPIs it is driven through ({@link io.spindle.raft.LogStore}, {@link
 * io.spindle.raft.SnapshotStore}, {@link io.spindle.raft.RandomSource}). Depends on the JDK only;
 * everything with I/O lives in {@code ejb-raft}.
 */
package io.spindle.raft;
