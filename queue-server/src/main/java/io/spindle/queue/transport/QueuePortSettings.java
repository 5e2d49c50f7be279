package io.spindle.queue.transport;

import java.time.Duration;
import java.util.Objects;

/**
 * The connection limits of the queue server's port.
 *
 * @param maxFrameSize the frame limit after the handshake (4 KiB before)
 * @param handshakeTimeout how long a new connection may take to say hello (and a node to prove the
 *     secret)
 * @param maxOutboundBytes bytes queued for one connection before it counts as not reading and is
 *     closed
 * @param maxPendingChunkBytes chunk bytes of one client waiting for the disk before the server
 *     stops reading from that client (TCP back-pressure)
 * @param keepAliveInterval a node connection idle this long on our side gets a KeepAlive
 * @param deadAfter a node connection silent this long is closed
 * @param clientIdleTimeout a client connection that has sent nothing for this long and waits for no
 *     answer is closed
 * @param maxConnections connections open at once, handshakes included; more are closed at once
 * @param maxConnectionsPerAddress connections open at once from one remote address
 */
public record QueuePortSettings(
    int maxFrameSize,
    Duration handshakeTimeout,
    long maxOutboundBytes,
    long maxPendingChunkBytes,
    Duration keepAliveInterval,
    Duration deadAfter,
    Duration clientIdleTimeout,
    int maxConnections,
    int maxConnectionsPerAddress) {
  public QueuePortSettings {
    Objects.requireNonNull(handshakeTimeout, "handshakeTimeout");
    Objects.requireNonNull(clientIdleTimeout, "clientIdleTimeout");
    Objects.requireNonNull(keepAliveInterval, "keepAliveInterval");
    Objects.requireNonNull(deadAfter, "deadAfter");
    if (maxFrameSize <= 0 || maxOutboundBytes <= 0 || maxPendingChunkBytes <= 0) {
      throw new IllegalArgumentException("transport limits must be positive");
    }
    if (maxConnections <= 0 || maxConnectionsPerAddress <= 0) {
      throw new IllegalArgumentException("connection limits must be positive");
    }
    if (clientIdleTimeout.isNegative() || clientIdleTimeout.isZero()) {
      throw new IllegalArgumentException("the client idle timeout must be positive");
    }
  }

  public static QueuePortSettings defaults(int maxFrameSize) {
    return new QueuePortSettings(
        maxFrameSize,
        Duration.ofSeconds(10),
        64L * 1024 * 1024,
        16L * 1024 * 1024,
        Duration.ofSeconds(2),
        Duration.ofSeconds(10),
        Duration.ofMinutes(5),
        1024,
        256);
  }

  /** These limits with other connection caps. */
  public QueuePortSettings withConnectionLimits(int total, int perAddress) {
    return new QueuePortSettings(
        maxFrameSize,
        handshakeTimeout,
        maxOutboundBytes,
        maxPendingChunkBytes,
        keepAliveInterval,
        deadAfter,
        clientIdleTimeout,
        total,
        perAddress);
  }

  /** These limits with another idle timeout for clients. */
  public QueuePortSettings withClientIdleTimeout(Duration timeout) {
    return new QueuePortSettings(
        maxFrameSize,
        handshakeTimeout,
        maxOutboundBytes,
        maxPendingChunkBytes,
        keepAliveInterval,
        deadAfter,
        timeout,
        maxConnections,
        maxConnectionsPerAddress);
  }
}
