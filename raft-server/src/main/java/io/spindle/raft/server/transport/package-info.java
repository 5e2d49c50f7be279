/**
 * The node's Raft port: Raft messages between peers and client requests to the node, over TCP with
 * Netty, as length-prefixed protobuf frames ({@code raft.proto} in the {@code protocol} module).
 *
 * <p>What lives here, in the Netty examples' shape: {@link
 * io.spindle.raft.server.transport.NettyRaftTransport} (the node's {@link
 * io.spindle.raft.server.transport.RaftTransport}), its {@code RaftTransportServer} (listening
 * socket), {@code RaftChannelInitializer} (the pipeline: frame decoder with a maximum size,
 * protobuf decoder, prepender, encoder, handshake, message handler), {@code RaftHandshakeHandler}
 * (mutual HMAC challenge/response over the cluster secret) and {@code RaftMessageHandler}; {@code
 * PeerLink}, which keeps one connection per peer pair and redials with back-off; {@code
 * OutboundQueue}, the bounded, batching writer; {@code KeepAlives}, which tells an idle connection
 * from a dead one; {@link io.spindle.raft.server.transport.RaftMessageMapper}, the one place
 * records become protobuf; and {@link io.spindle.raft.server.transport.RaftClient}, a client of a
 * node's port.
 *
 * <p>Threading: handlers run on Netty event loops made by the injected {@link
 * java.util.concurrent.ThreadFactory} and never block them; everything else is non-blocking and
 * thread-safe unless its javadoc says otherwise. Logging uses {@code java.util.logging}; a closed
 * connection is always logged with its remote address and the reason.
 *
 * <p>Depends on {@code raft-core}'s records, the generated {@code io.spindle.protocol.raft}
 * classes, Netty and protobuf; nothing here depends on the node ({@code ejb-raft}) or on {@code
 * jakarta.*}. The Raft driver reaches it through {@code io.spindle.raft.server}'s messenger
 * adapter.
 */
package io.spindle.raft.server.transport;
