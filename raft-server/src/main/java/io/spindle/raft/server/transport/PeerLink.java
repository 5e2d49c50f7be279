package io.spindle.raft.server.transport;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;
import io.spindle.raft.NodeId;
import io.spindle.wire.Backoff;
import io.spindle.wire.ConnectionErrors;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Logger;

/**
 * This node's side of its one connection with one peer: the queue of messages for the peer, the
 * connection they go out on, and the dialling that (re)establishes it.
 *
 * <p><b>One connection per pair.</b> Either side dials when it knows the peer's address and has no
 * connection with it; the node with the smaller id dials at once, the other only after one back-off
 * step, which usually leaves it nothing to do. Still, two nodes redialling together may end up with
 * two authenticated connections. Both sides then keep the connection dialled by the node with the
 * smaller id (of two dialled by the same node, the newer) and retire the other. Both apply the same
 * rule to the same two connections, so they keep the same one and never duel; the loser never
 * redials while the winner is up, because nobody dials while connected. A retired connection is
 * flushed before it closes, but what the peer had in flight on it may be lost, which Raft's retries
 * absorb. A connection accepted from a peer whose address is unknown (a node that joined later) is
 * used as well, so the answer to its messages needs no address.
 *
 * <p><b>Threading:</b> the connection state is confined to {@link #loop}, one event loop of the
 * transport; the public methods hop onto it. Dialled channels live on that loop too. Only the
 * {@link OutboundQueue} is touched by other threads.
 */
final class PeerLink {
  private static final Logger LOG = Logger.getLogger(PeerLink.class.getName());

  /** Opens a connection to a peer; its handshake expects {@code peer} to answer. */
  interface Dialer {
    ChannelFuture dial(InetSocketAddress address, NodeId peer, EventLoop loop);
  }

  private final NodeId self;
  private final NodeId peer;
  private final OutboundQueue queue;
  private final EventLoop loop;
  private final Dialer dialer;
  private final Backoff backoff;

  /**
   * Written before hopping to the loop, so that {@link #isReachable()} sees a new address, or a
   * connection about to be adopted, at once: the inbound handler may answer a peer's first message
   * before the adoption has run.
   */
  private volatile boolean addressKnown;

  private final AtomicInteger adoptionsPending = new AtomicInteger();

  // Confined to loop.
  private InetSocketAddress address;
  private Channel active;
  private Session activeSession;
  private Channel dialing;
  private ScheduledFuture<?> redial;
  private boolean started;
  private boolean closed;
  private boolean unreachableReported;

  PeerLink(
      NodeId self,
      NodeId peer,
      long maxOutboundBytes,
      EventLoop loop,
      Dialer dialer,
      Backoff backoff) {
    this.self = self;
    this.peer = peer;
    this.queue = new OutboundQueue(maxOutboundBytes);
    this.loop = loop;
    this.dialer = dialer;
    this.backoff = backoff;
  }

  NodeId peer() {
    return peer;
  }

  OutboundQueue queue() {
    return queue;
  }

  /** Whether messages for this peer can go anywhere: it has an address or a connection. */
  boolean isReachable() {
    return addressKnown || queue.channel() != null || adoptionsPending.get() > 0;
  }

  /** Begins dialling (the transport is listening). */
  void start() {
    onLoop(
        () -> {
          started = true;
          connectSoon();
        });
  }

  /** The peer's listening address, or null when it left the membership (it is not dialled). */
  void setAddress(InetSocketAddress newAddress) {
    addressKnown = newAddress != null;
    onLoop(() -> addressChanged(newAddress));
  }

  /** A connection with the peer authenticated, dialled or accepted. */
  void adopt(Channel channel, Session session) {
    adoptionsPending.incrementAndGet();
    onLoop(
        () -> {
          adopted(channel, session);
          adoptionsPending.decrementAndGet();
        });
  }

  void close() {
    onLoop(
        () -> {
          closed = true;
          cancelRedial();
        });
  }

  private void addressChanged(InetSocketAddress newAddress) {
    if (Objects.equals(address, newAddress)) {
      return;
    }
    InetSocketAddress old = address;
    address = newAddress;
    cancelRedial();
    backoff.reset();
    if (newAddress == null) {
      LOG.info(() -> "peer " + peer + " left the membership; it is no longer dialled");
      return;
    }
    if (old != null) {
      LOG.info(() -> "peer " + peer + " moved from " + old + " to " + newAddress);
      if (dialing != null) {
        dialing.close();
      }
      if (active != null && activeSession.initiatedHere()) {
        active.close();
      }
    }
    connectSoon();
  }

  /**
   * Dials now if this node is the pair's designated dialler (the smaller id); otherwise after one
   * back-off step, giving the designated dialler's connection the time to arrive first.
   */
  private void connectSoon() {
    if (self.compareTo(peer) < 0) {
      dialIfNeeded();
    } else {
      scheduleRedial();
    }
  }

  private void dialIfNeeded() {
    if (!started
        || closed
        || address == null
        || active != null
        || dialing != null
        || redial != null) {
      return;
    }
    InetSocketAddress target = address;
    ChannelFuture connect = dialer.dial(target, peer, loop);
    Channel channel = connect.channel();
    dialing = channel;
    connect.addListener(
        f -> {
          if (!f.isSuccess()) {
            reportUnreachable(target, ConnectionErrors.describe(f.cause()));
          }
        });
    channel.closeFuture().addListener(f -> onLoop(() -> closed(channel)));
  }

  private void adopted(Channel channel, Session session) {
    if (channel == dialing) {
      dialing = null;
    }
    if (closed || !channel.isActive()) {
      channel.close();
      return;
    }
    if (active == null) {
      use(channel, session);
    } else if (prefer(session, activeSession)) {
      Channel old = active;
      LOG.fine(() -> "two connections with " + peer + ": keeping " + session + ", retiring " + old);
      use(channel, session);
      retire(old);
    } else {
      LOG.fine(() -> "two connections with " + peer + ": keeping " + activeSession);
      channel.close();
    }
  }

  /** The one-connection-per-pair rule: the smaller node's dial wins, then the newer one. */
  private boolean prefer(Session candidate, Session current) {
    NodeId designated = self.compareTo(peer) < 0 ? self : peer;
    boolean candidateByDesignated = dialler(candidate).equals(designated);
    boolean currentByDesignated = dialler(current).equals(designated);
    if (candidateByDesignated != currentByDesignated) {
      return candidateByDesignated;
    }
    return true; // the same node dialled both: it only dials when it has no connection
  }

  private NodeId dialler(Session session) {
    return session.initiatedHere() ? self : peer;
  }

  private void use(Channel channel, Session session) {
    active = channel;
    activeSession = session;
    unreachableReported = false;
    backoff.reset();
    cancelRedial();
    queue.attach(channel);
    channel.closeFuture().addListener(f -> onLoop(() -> closed(channel)));
    LOG.info(
        () ->
            "connected to peer "
                + peer
                + (session.initiatedHere() ? " (dialled) " : " (accepted) ")
                + channel.localAddress()
                + " <-> "
                + channel.remoteAddress());
  }

  /** Closes a connection no longer used once what was written to it is flushed, or soon anyway. */
  private static void retire(Channel channel) {
    channel.writeAndFlush(KeepAlives.KEEP_ALIVE).addListener(ChannelFutureListener.CLOSE);
    Runnable closeAnyway = channel::close; // if the peer stopped reading, the flush never ends
    channel
        .eventLoop()
        .schedule(closeAnyway, KeepAlives.INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
  }

  private void closed(Channel channel) {
    if (channel == dialing) {
      dialing = null;
    }
    if (channel == active) {
      active = null;
      activeSession = null;
      queue.detach(channel);
      LOG.info(() -> "lost the connection to peer " + peer + " (" + channel.remoteAddress() + ")");
    }
    if (active == null) {
      scheduleRedial();
    }
  }

  private void scheduleRedial() {
    if (!started
        || closed
        || address == null
        || active != null
        || dialing != null
        || redial != null) {
      return;
    }
    Duration delay = backoff.next();
    redial =
        loop.schedule(
            () -> {
              redial = null;
              dialIfNeeded();
            },
            delay.toNanos(),
            TimeUnit.NANOSECONDS);
  }

  private void cancelRedial() {
    if (redial != null) {
      redial.cancel(false);
      redial = null;
    }
  }

  private void reportUnreachable(InetSocketAddress target, String reason) {
    if (!unreachableReported) {
      unreachableReported = true;
      LOG.info(
          () ->
              "cannot reach peer "
                  + peer
                  + " at "
                  + target
                  + ": "
                  + reason
                  + "; redialling with back-off");
    } else {
      LOG.fine(() -> "cannot reach peer " + peer + " at " + target + ": " + reason);
    }
  }

  private void onLoop(Runnable task) {
    if (loop.inEventLoop()) {
      task.run();
      return;
    }
    try {
      loop.execute(task);
    } catch (RejectedExecutionException e) {
      // The transport is shutting down: its channels close with it.
    }
  }
}
