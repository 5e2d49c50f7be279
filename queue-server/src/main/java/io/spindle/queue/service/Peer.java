package io.spindle.queue.service;

import io.spindle.protocol.queue.QueueFrame;

/**
 * One authenticated connection, client or node, as the queue service sees it.
 *
 * <p>Implementations are thread-safe and never block: {@link #send} queues the frame for the
 * connection's I/O thread. A connection that cannot keep up (too many bytes queued for it) is
 * closed by the implementation, with a logged reason, rather than buffered without bound.
 */
public interface Peer {
  /** Unique among the connections of this process. */
  long id();

  /**
   * Who is behind the connection, for per-client quotas: the name of a client's token, or {@code
   * node:ID}.
   */
  String principal();

  /** The remote, for log lines: "client 10.0.0.5:51234", "node n2 at 10.0.0.7:40112". */
  String describe();

  void send(QueueFrame frame);

  /** Closes the connection, telling the remote why (Goodbye) and logging it. */
  void close(String reason);

  /** Closes a connection that was idle: like {@link #close}, but routine, so logged at FINE. */
  void closeIdle(String reason);
}
