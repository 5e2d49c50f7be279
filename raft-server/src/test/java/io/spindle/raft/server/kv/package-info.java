/**
 * A replicated key-value store on the Raft server runtime, for tests and benchmarks: {@link
 * io.spindle.raft.server.kv.RaftServer} runs one node in its own process (Netty transport, durable
 * log, the {@link io.spindle.raft.server.kv.KeyValueStateMachine}); {@link
 * io.spindle.raft.server.kv.LocalCluster} starts and kills such processes; {@link
 * io.spindle.raft.server.kv.KeyValueClient} follows the leader.
 *
 * <p>Shipped in raft-server's test jar, which the node's tests and the {@code bench} module use;
 * never in the node.
 */
package io.spindle.raft.server.kv;
