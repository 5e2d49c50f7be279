/**
 * Stand-alone Raft processes for benchmarks and multi-process tests: {@link
 * io.spindle.node.bench.RaftServer} runs one node (Netty transport, durable log, the {@link
 * io.spindle.node.bench.KeyValueStateMachine}); {@link io.spindle.node.bench.LocalCluster} starts
 * and kills such processes; {@link io.spindle.node.bench.ClusterClient} follows the leader; {@link
 * io.spindle.node.bench.RaftBench} is {@code bin/spindle bench raft}.
 *
 * <p>Depends on {@code infrastructure.raft}, {@code infrastructure.transport} and {@code
 * infrastructure.log}; nothing in the node depends on this package.
 */
package io.spindle.node.bench;
