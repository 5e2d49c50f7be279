/**
 * The Raft consensus algorithm as a deterministic state machine ({@link io.spindle.raft.RaftNode})
 * and the small SPIs it is driven through ({@link io.spindle.raft.LogStore}, {@link
 * io.spindle.raft.SnapshotStore}, {@link io.spindle.raft.RandomSource}). Depends on the JDK only;
 * everything with I/O lives in {@code raft-server}.
 *
 * <p>{@code RaftNode} is the only public entry point; it delegates to package-private collaborators
 * it owns, each single-threaded on the driver's thread: {@code Election} (campaigns, PreVote and
 * the answers to candidates, with the votes in a {@code VoteCount}), {@code ElectionTimer} (the
 * election, heartbeat and leader-contact timers, and the leader lease they give), {@code RaftLog}
 * (the log with the proposals not yet flushed and what is durable), {@code ConfigurationHistory}
 * (the configurations by index), {@code Recovery} (a start over existing storage, reconciling the
 * snapshot and the log), {@code MembershipChanges} (single-server changes and the storage members
 * answer from, with the {@code DepartingPeers}, removed peers still told of their removal), {@code
 * LeaderReplication} (AppendEntries and heartbeats to followers), {@code CommitRule} (the leader's
 * commit index from its followers' matches), {@code LeadershipTransfer} (TimeoutNow to a caught-up
 * target, given up after an election timeout), {@code FollowerAppends} (AppendEntries and
 * heartbeats from the leader), {@code SnapshotSender} and {@code SnapshotReceiver}
 * (InstallSnapshot, both sides), {@code ReadOnlyRequests} (ReadIndex, the lease and forwarded
 * reads), {@code ReadyBuilder} (the output queued for the next Ready, the applied index and the
 * persisted hard state) and {@code UncommittedBudget} (the leader's flow control for proposals).
 */
package io.spindle.raft;
