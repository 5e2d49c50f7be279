/**
 * Runs a {@link io.spindle.raft.RaftNode} for real: the single-threaded {@link
 * io.spindle.node.infrastructure.raft.RaftDriver} that owns the node and does its persist → send →
 * apply work, the {@link io.spindle.node.infrastructure.raft.StateMachine} SPI it applies committed
 * entries to, and the ports it reaches storage ({@link
 * io.spindle.node.infrastructure.raft.RaftStorage}) and peers ({@link
 * io.spindle.node.infrastructure.raft.PeerMessenger}) through.
 *
 * <p>Depends on {@code raft-core} and, for the adapters only ({@link
 * io.spindle.node.infrastructure.raft.DurableRaftStorage}, {@link
 * io.spindle.node.infrastructure.raft.NettyPeerMessenger}), on the sibling {@code log} and {@code
 * transport} packages. Application services depend on the driver's public API, never on the core
 * directly; nothing here depends on {@code jakarta.*}, so the driver runs in plain Java as well as
 * on a Payara managed thread.
 */
package io.spindle.node.infrastructure.raft;
