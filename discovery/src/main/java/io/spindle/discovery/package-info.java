/**
 * Cluster discovery over UDP: how a starting node finds its cluster's queue server, members and
 * leader, without being told any address.
 *
 * <p>A node's {@link io.spindle.discovery.DiscoveryClient} announces it with an {@code
 * Add_Node_Request} ({@link io.spindle.discovery.AddNodeRequest}) by broadcast to UDP 8888 and by
 * multicast to 239.0.0.1:10000 on the LAN, or, for a local cluster on one machine, by multicast out
 * of the loopback interface with TTL 0 and unicast to 127.0.0.1:8888 ({@link
 * io.spindle.discovery.DiscoveryMode}). It repeats the announcement with exponential back-off and
 * jitter, and reports what it is waiting for in its {@link io.spindle.discovery.DiscoveryStatus}.
 * The queue server's {@link io.spindle.discovery.DiscoveryServer} answers each authentic request by
 * unicast with the {@link io.spindle.discovery.EdgeList} (queue server, cluster id, members with
 * their Raft and web addresses, leader) that the queue server supplies, and tells the queue server
 * who announced itself, so that it can forward the join to the leader.
 *
 * <p>Every datagram is signed and checked by a {@link io.spindle.discovery.DatagramAuthenticator}:
 * HMAC-SHA256 under a key derived from the cluster secret, over the protocol version, cluster id,
 * timestamp, a 16-byte nonce and the body. Datagrams that are oversized, malformed, of another
 * version or cluster, forged, outside the 30 s skew window or replayed are dropped, counted by
 * {@link io.spindle.discovery.DropReason} and logged at a rate-limited WARNING; an edge list is
 * accepted only if it names the nonce of one of the node's own requests. The wire format and the
 * order of the checks are in {@code discovery.proto} in the {@code protocol} module; {@code
 * DiscoveryMessages} is the one mapper between it and the records here. {@link
 * io.spindle.discovery.DiscoverySettings} holds every knob, with defaults and checks.
 *
 * <p>Uses the JDK's {@link java.nio.channels.DatagramChannel} (no Netty), {@code
 * java.util.logging}, and the generated {@code io.spindle.protocol.discovery} classes, and {@code
 * io.spindle.wire.Backoff}; depends on nothing else of Spindle. The queue server and the node
 * ({@code ejb-raft}) depend on it. The secret never appears in a log line, an exception message or
 * a {@code toString()}.
 */
package io.spindle.discovery;
