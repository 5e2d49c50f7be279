/**
 * Runs a {@link io.spindle.raft.RaftNode} for real: the single-threaded {@link
 * io.spindle.raft.server.RaftDriver} that owns the node and does its persist → send → apply work,
 * the {@link io.spindle.raft.server.StateMachine} SPI it applies committed entries to, and the
 * ports it reaches storage ({@link io.spindle.raft.server.RaftStorage}) and peers ({@link
 * io.spindle.raft.server.PeerMessenger}) through.
 *
 * <p>The driver is the public entry point; its work is done by package-private collaborators that
 * its thread owns, each of whose javadoc says which thread calls it: {@code ReadyHandler} (persist
 * → send → hand over of each Ready), {@code ApplyProgress} and {@code SnapshotHandling} (the
 * driver's side of the {@code Applier}, the apply thread), {@code PendingProposals}, {@code
 * PendingReads} and {@code LeadershipTransfers} (callers' requests until they finish, queued as
 * {@code DriverRequest}s), {@code PeerDirectory} (whom the messenger reaches), {@code
 * StatusPublisher} (the status callers read) and {@code LoopStats}.
 *
 * <p>Depends on {@code raft-core} and, for the adapters only ({@link
 * io.spindle.raft.server.DurableRaftStorage}, {@link io.spindle.raft.server.NettyPeerMessenger}),
 * on the sibling {@code log} and {@code transport} packages. Application services depend on the
 * driver's public API, never on the core directly; nothing here depends on {@code jakarta.*}, so
 * the driver runs in plain Java as well as on a Payara managed thread.
 */
package io.spindle.raft.server;
