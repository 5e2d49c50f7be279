package io.spindle.raft.server.transport;

import java.time.Duration;
import java.util.Objects;

/**
 * The transport's limits and timings.
 *
 * @param maxFrameSize the largest frame accepted or sent, in bytes; a larger incoming length prefix
 *     closes the connection before any of its body is buffered, and a larger outgoing message is
 *     dropped. Must hold the largest AppendEntries batch and InstallSnapshot chunk the core sends.
 * @param maxOutboundBytesPerPeer bytes queued for one peer (or one client connection) and not yet
 *     written to its socket; beyond it messages are dropped. One message is always accepted into an
 *     empty queue, so a message larger than the bound still goes out alone.
 * @param connectTimeout how long a TCP connect, and then the handshake, may take
 * @param reconnectBackoffMin the delay before the first redial of a lost peer (then doubled)
 * @param reconnectBackoffMax the longest delay between redials
 */
public record RaftTransportSettings(
    int maxFrameSize,
    long maxOutboundBytesPerPeer,
    Duration connectTimeout,
    Duration reconnectBackoffMin,
    Duration reconnectBackoffMax) {

  public static final int DEFAULT_MAX_FRAME_SIZE = 64 * 1024 * 1024;

  /**
   * 40 MiB: what the Raft core puts in flight to one follower at most (32 MiB of entries, then one
   * more AppendEntries of up to 4 MiB) with room for framing, so that a follower that keeps up
   * never has entries dropped here.
   */
  public static final long DEFAULT_MAX_OUTBOUND_BYTES_PER_PEER = 40L * 1024 * 1024;

  public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(3);
  public static final Duration DEFAULT_RECONNECT_BACKOFF_MIN = Duration.ofMillis(50);
  public static final Duration DEFAULT_RECONNECT_BACKOFF_MAX = Duration.ofSeconds(5);

  public RaftTransportSettings {
    Objects.requireNonNull(connectTimeout, "connectTimeout");
    Objects.requireNonNull(reconnectBackoffMin, "reconnectBackoffMin");
    Objects.requireNonNull(reconnectBackoffMax, "reconnectBackoffMax");
    if (maxFrameSize <= 0) {
      throw new IllegalArgumentException("maxFrameSize must be positive: " + maxFrameSize);
    }
    if (maxOutboundBytesPerPeer <= 0) {
      throw new IllegalArgumentException(
          "maxOutboundBytesPerPeer must be positive: " + maxOutboundBytesPerPeer);
    }
    requirePositive("connectTimeout", connectTimeout);
    requirePositive("reconnectBackoffMin", reconnectBackoffMin);
    requirePositive("reconnectBackoffMax", reconnectBackoffMax);
    if (reconnectBackoffMin.compareTo(reconnectBackoffMax) > 0) {
      throw new IllegalArgumentException(
          "reconnectBackoffMin "
              + reconnectBackoffMin
              + " is longer than reconnectBackoffMax "
              + reconnectBackoffMax);
    }
  }

  /** 64 MiB frames, 40 MiB per peer, 3 s connect timeout, redial after 50 ms doubling to 5 s. */
  public static RaftTransportSettings defaults() {
    return new RaftTransportSettings(
        DEFAULT_MAX_FRAME_SIZE,
        DEFAULT_MAX_OUTBOUND_BYTES_PER_PEER,
        DEFAULT_CONNECT_TIMEOUT,
        DEFAULT_RECONNECT_BACKOFF_MIN,
        DEFAULT_RECONNECT_BACKOFF_MAX);
  }

  public RaftTransportSettings withMaxFrameSize(int bytes) {
    return new RaftTransportSettings(
        bytes, maxOutboundBytesPerPeer, connectTimeout, reconnectBackoffMin, reconnectBackoffMax);
  }

  public RaftTransportSettings withMaxOutboundBytesPerPeer(long bytes) {
    return new RaftTransportSettings(
        maxFrameSize, bytes, connectTimeout, reconnectBackoffMin, reconnectBackoffMax);
  }

  public RaftTransportSettings withConnectTimeout(Duration timeout) {
    return new RaftTransportSettings(
        maxFrameSize, maxOutboundBytesPerPeer, timeout, reconnectBackoffMin, reconnectBackoffMax);
  }

  public RaftTransportSettings withReconnectBackoff(Duration min, Duration max) {
    return new RaftTransportSettings(
        maxFrameSize, maxOutboundBytesPerPeer, connectTimeout, min, max);
  }

  private static void requirePositive(String name, Duration value) {
    if (value.isNegative() || value.isZero()) {
      throw new IllegalArgumentException(name + " must be positive: " + value);
    }
  }
}
