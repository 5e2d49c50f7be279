/**
 * Runs a {@link io.spindle.raft.RaftNode} for real: the single-threaded {@link
 * io.spindle.raft.server.RaftDriver} that owns the node and does its persist → send → apply work,
 * the {@link io.spindle.raft.server.StateMachine} SPI it applies committed entries to, and the
 * ports it reaches storage ({@link io.spindle.raft.server.RaftStorage}) and peers ({@link
 * io.spindle.raft.server.PeerMessenger}) through.
 *
 * <p>Depends on {@code raft-core} and, for the adapters only ({@link
 * io.spindle.raft.server.DurableRaftStorage}, {@link io.spindle.raft.server.NettyPeerMessenger}),
 * on the sibling {@code log} and {@code transport} packages. Application services depend on the
 * driver's public API, never on the core directly; nothing here depends on {@code jakarta.*}, so
 * the driver runs in plain Java as well as on a Payara managed thread.
 */
package io.spindle.raft.server;
