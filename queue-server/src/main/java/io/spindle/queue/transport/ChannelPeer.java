package io.spindle.queue.transport;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.spindle.protocol.auth.ClientTokens;
import io.spindle.protocol.logging.RateLimitedLog;
import io.spindle.protocol.queue.Goodbye;
import io.spindle.protocol.queue.QueueFrame;
import io.spindle.queue.service.Peer;
import io.spindle.wire.ConnectionErrors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * A {@link Peer} over a Netty channel. {@link #send} counts a frame from the moment it is queued
 * until Netty has written it (or failed to); a connection with more than {@code maxOutboundBytes}
 * outstanding is not reading what it asked for and is closed, instead of buffered without bound.
 * One frame is always accepted, so a frame larger than the bound still goes out.
 */
final class ChannelPeer implements Peer {
  private static final Logger LOG = Logger.getLogger(ChannelPeer.class.getName());
  private static final RateLimitedLog LIMITED_LOG = RateLimitedLog.of(LOG);
  private static final AtomicLong IDS = new AtomicLong();

  private final long id = IDS.incrementAndGet();
  private final Channel channel;
  private final String description;
  private final boolean node;
  private final long maxOutboundBytes;
  private final AtomicLong pending = new AtomicLong();
  private final AtomicBoolean closing = new AtomicBoolean();
  private volatile boolean gone;
  private volatile ClientTokens.Holder holder;
  private volatile String federationCluster;
  private volatile String federationNode;

  ChannelPeer(Channel channel, String description, boolean node, long maxOutboundBytes) {
    this.channel = channel;
    this.description = description;
    this.node = node;
    this.maxOutboundBytes = maxOutboundBytes;
  }

  @Override
  public long id() {
    return id;
  }

  /** The client's token holder, once its hello proved one. */
  void authenticate(ClientTokens.Holder h) {
    holder = h;
  }

  /**
   * The peer proved the federation secret: it is node {@code nodeId}, the leader of cluster {@code
   * clusterId} of the federation, and holds no token (so {@link #may} allows it nothing).
   */
  void authenticateFederation(String clusterId, String nodeId) {
    federationNode = nodeId;
    federationCluster = clusterId;
  }

  /** The cluster of the federation member behind this connection, or null for a client. */
  String federationCluster() {
    return federationCluster;
  }

  /** Whether the client's token allows {@code right}; never for a federation member. */
  boolean may(ClientTokens.Right right) {
    ClientTokens.Holder h = holder;
    return h != null && h.may(right);
  }

  @Override
  public String principal() {
    ClientTokens.Holder h = holder;
    if (h != null) {
      return "token:" + h.name();
    }
    String cluster = federationCluster;
    if (cluster != null) {
      return "federation:" + cluster + "/" + federationNode;
    }
    return node ? "node" : "";
  }

  @Override
  public String describe() {
    return description;
  }

  @Override
  public void send(QueueFrame frame) {
    if (closing.get() || gone) {
      return;
    }
    long size = frame.getSerializedSize() + 5L;
    long total = pending.addAndGet(size);
    if (total > maxOutboundBytes && total != size) {
      pending.addAndGet(-size);
      close(
          "it is not reading its answers ("
              + (total - size)
              + " bytes waiting to be sent, the limit is "
              + maxOutboundBytes
              + ")");
      return;
    }
    channel.writeAndFlush(frame).addListener((ChannelFutureListener) f -> pending.addAndGet(-size));
  }

  @Override
  public void close(String reason) {
    close(reason, Level.WARNING);
  }

  @Override
  public void closeIdle(String reason) {
    close(reason, Level.FINE);
  }

  private void close(String reason, Level level) {
    if (!closing.compareAndSet(false, true)) {
      return;
    }
    LIMITED_LOG.log(
        level,
        ConnectionErrors.key(channel),
        () -> "closing connection with " + description + ": " + reason,
        null);
    Goodbye goodbye = Goodbye.newBuilder().setReason(reason).build();
    QueueFrame frame =
        node
            ? QueueFrame.newBuilder().setNodeGoodbye(goodbye).build()
            : QueueFrame.newBuilder().setClientGoodbye(goodbye).build();
    if (channel.isActive()) {
      channel.writeAndFlush(frame).addListener(ChannelFutureListener.CLOSE);
    } else {
      channel.close();
    }
  }

  /** Whether {@link #close} was called (its reason is logged) or the connection is gone. */
  boolean isClosing() {
    return closing.get() || gone;
  }

  /** Whether {@link #close} was called: this side closed it, and logged why. */
  boolean closedByThisSide() {
    return closing.get();
  }

  /** The connection is closed or closing for another reason (the remote left, bad input). */
  void markGone() {
    gone = true;
  }

  @Override
  public String toString() {
    return description;
  }
}
