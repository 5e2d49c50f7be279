package io.spindle.raft.server.transport;

import io.spindle.raft.NodeId;
import io.spindle.raft.message.Message;
import java.net.InetSocketAddress;
import java.util.Map;

/**
 * Carries Raft messages between the nodes of a cluster, and client requests to this node, over one
 * listening port.
 *
 * <p><b>Threading:</b> every method may be called from any thread. <b>Blocking:</b> {@link #send}
 * and {@link #setPeers} never block; {@link #start} blocks until the port is bound and {@link
 * #close} until the I/O threads have stopped. <b>Errors:</b> {@link #send} throws nothing: a
 * message that cannot be sent is dropped, counted and logged, which Raft tolerates by retrying.
 */
public interface RaftTransport extends AutoCloseable {
  /** Binds the listening socket and starts accepting peers and clients. */
  void start(InboundHandler handler) throws InterruptedException;

  /** The bound address (with the actual port when bound to port 0); only after {@link #start}. */
  InetSocketAddress localAddress();

  /**
   * Where each peer listens; may be called at any time (membership changes). Unknown peers are not
   * dialled.
   */
  void setPeers(Map<NodeId, InetSocketAddress> peers);

  /**
   * Never blocks; when a peer's outbound bytes exceed the bound the message is dropped and counted
   * (Raft retries).
   */
  void send(Message message);

  /**
   * Closes every connection and stops the I/O threads; idempotent. Blocks, so not from an event
   * loop (an {@link InboundHandler} callback).
   */
  @Override
  void close();
}
