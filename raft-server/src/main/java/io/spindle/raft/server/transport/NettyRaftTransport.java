package io.spindle.raft.server.transport;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.spindle.protocol.raft.RaftFrame;
import io.spindle.protocol.tls.ClusterTls;
import io.spindle.raft.NodeId;
import io.spindle.raft.message.AppendEntries;
import io.spindle.raft.message.InstallSnapshot;
import io.spindle.raft.message.Message;
import io.spindle.raft.server.transport.Handshake.Role;
import io.spindle.wire.Backoff;
import io.spindle.wire.ClusterSecret;
import io.spindle.wire.InvalidMessageException;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Logger;

/**
 * The {@link RaftTransport} on Netty: one listening port for peers and clients, one connection per
 * peer pair (see {@link PeerLink} for how a pair settles on one), redials with exponential back-off
 * and jitter, a bounded outbound queue per peer written in batches, and the cluster-secret
 * handshake of {@link Handshake} on every connection.
 *
 * <p>The event loops are created from the given {@link ThreadFactory} (in Payara, a {@code
 * ManagedThreadFactory}); nothing here starts a thread any other way.
 */
public final class NettyRaftTransport implements RaftTransport {
  private static final Logger LOG = Logger.getLogger(NettyRaftTransport.class.getName());

  private final NodeId self;
  private final InetSocketAddress bindAddress;
  private final ClusterSecret secret;
  private final RaftTransportSettings config;
  private final ClusterTls tls;
  private final EventLoopGroup group;
  private final Bootstrap dialBootstrap;
  private final ChannelGroup connections;
  private final SecureRandom random = new SecureRandom();
  private final ConcurrentMap<NodeId, PeerLink> links = new ConcurrentHashMap<>();
  private final AtomicLong unroutable = new AtomicLong();
  private final AtomicLong refusedHandshakes = new AtomicLong();
  private final Object lifecycle = new Object();
  private final RaftHandshakeHandler.Listener handshakeListener = new HandshakeListener();

  private volatile InboundHandler inbound;
  private volatile RaftTransportServer server;
  private volatile boolean closed;

  /**
   * @param self this node's id, proved to peers in the handshake
   * @param bind where to listen (port 0 for an ephemeral port, see {@link #localAddress()})
   * @param clusterSecret the secret shared by every node and client of the cluster
   * @param threadFactory makes the event loop threads
   */
  public NettyRaftTransport(
      NodeId self,
      InetSocketAddress bind,
      byte[] clusterSecret,
      RaftTransportSettings config,
      ThreadFactory threadFactory) {
    this(self, bind, clusterSecret, config, null, threadFactory);
  }

  /**
   * @param tls TLS on every connection, accepted (with this node's certificate) and dialled
   *     (trusting the cluster's CA only); null for plain text
   */
  public NettyRaftTransport(
      NodeId self,
      InetSocketAddress bind,
      byte[] clusterSecret,
      RaftTransportSettings config,
      ClusterTls tls,
      ThreadFactory threadFactory) {
    this.self = Objects.requireNonNull(self, "self");
    this.tls = tls;
    this.bindAddress = Objects.requireNonNull(bind, "bind");
    this.secret = new ClusterSecret(clusterSecret);
    this.config = Objects.requireNonNull(config, "config");
    if (secret.isShorterThanRecommended()) {
      LOG.warning(
          "the cluster secret is shorter than "
              + ClusterSecret.RECOMMENDED_MIN_BYTES
              + " bytes: anyone who guesses it can join the cluster; use a long random one");
    }
    this.group = new NioEventLoopGroup(ioThreads(), Objects.requireNonNull(threadFactory));
    this.dialBootstrap = RaftTransportServer.clientBootstrap(group, config.connectTimeout());
    this.connections = new DefaultChannelGroup("raft-" + self, group.next());
  }

  /** Few connections carry a lot each: a small fixed number of event loops suffices. */
  private static int ioThreads() {
    return Math.max(2, Math.min(4, Runtime.getRuntime().availableProcessors()));
  }

  @Override
  public void start(InboundHandler handler) throws InterruptedException {
    Objects.requireNonNull(handler, "handler");
    synchronized (lifecycle) {
      if (closed) {
        throw new IllegalStateException("the transport of " + self + " is closed");
      }
      if (server != null) {
        throw new IllegalStateException("the transport of " + self + " is already started");
      }
      inbound = handler;
      server =
          RaftTransportServer.bind(
              group,
              bindAddress,
              new RaftChannelInitializer(
                  config.maxFrameSize(),
                  RaftChannelInitializer.acceptorTls(tls, config.connectTimeout()),
                  ch -> handshakeHandler(ch, Role.ACCEPTOR, null)));
    }
    LOG.info(() -> "node " + self + " listens for Raft peers and clients on " + localAddress());
    links.values().forEach(PeerLink::start);
  }

  @Override
  public InetSocketAddress localAddress() {
    RaftTransportServer s = server;
    if (s == null) {
      throw new IllegalStateException("the transport of " + self + " is not started");
    }
    return s.localAddress();
  }

  @Override
  public void setPeers(Map<NodeId, InetSocketAddress> peers) {
    Objects.requireNonNull(peers, "peers");
    peers.forEach(
        (id, address) -> {
          if (!id.equals(self)) {
            link(id).setAddress(Objects.requireNonNull(address, "address of " + id));
          }
        });
    for (PeerLink link : links.values()) {
      if (!peers.containsKey(link.peer())) {
        link.setAddress(null);
      }
    }
  }

  @Override
  public void send(Message message) {
    if (closed || message == null) {
      unroutable.incrementAndGet();
      return;
    }
    if (!message.from().equals(self)) {
      unroutable.incrementAndGet();
      LOG.warning(() -> "not sending a message from " + message.from() + ": this is " + self);
      return;
    }
    PeerLink link = links.get(message.to());
    if (link == null || !link.isReachable()) {
      unroutable.incrementAndGet();
      LOG.fine(() -> "dropped a message for " + message.to() + ": no address, no connection");
      return;
    }
    RaftFrame frame;
    try {
      frame = RaftMessageMapper.toFrame(message);
    } catch (InvalidMessageException e) {
      unroutable.incrementAndGet();
      LOG.warning(() -> "not sending " + e.getMessage());
      return;
    }
    int size = frame.getSerializedSize();
    if (size > config.maxFrameSize()) {
      unroutable.incrementAndGet();
      LOG.warning(
          () ->
              "dropped a "
                  + message.getClass().getSimpleName()
                  + " for "
                  + message.to()
                  + ": "
                  + size
                  + " bytes exceed the maximum frame size of "
                  + config.maxFrameSize()
                  + "; send smaller batches or chunks, or raise the maximum on every node");
      return;
    }
    boolean queued = isBulk(message) ? link.queue().offer(frame) : link.queue().offerControl(frame);
    if (!queued) {
      LOG.fine(() -> "dropped a message for " + message.to() + ": outbound bound reached");
    }
  }

  /** Whether a message carries entries or snapshot data, rather than a few fields. */
  private static boolean isBulk(Message message) {
    return message instanceof InstallSnapshot
        || (message instanceof AppendEntries append && !append.entries().isEmpty());
  }

  /** Messages dropped so far: over a peer's outbound bound, unroutable, too large or invalid. */
  public long droppedMessages() {
    long dropped = unroutable.get();
    for (PeerLink link : links.values()) {
      dropped += link.queue().droppedFrames();
    }
    return dropped;
  }

  /** Handshakes refused so far, by this node or by the remote. */
  public long refusedHandshakes() {
    return refusedHandshakes.get();
  }

  /** The bytes queued for {@code peer} and not yet written to its socket. */
  long outboundBytes(NodeId peer) {
    PeerLink link = links.get(peer);
    return link == null ? 0 : link.queue().pendingBytes();
  }

  /** The connection messages for {@code peer} currently go out on. */
  Optional<Channel> connectionTo(NodeId peer) {
    PeerLink link = links.get(peer);
    return link == null ? Optional.empty() : Optional.ofNullable(link.queue().channel());
  }

  /** Every open connection, authenticated or not, peers and clients. */
  int openConnections() {
    return connections.size();
  }

  @Override
  public void close() {
    synchronized (lifecycle) {
      if (closed) {
        return;
      }
      closed = true;
    }
    links.values().forEach(PeerLink::close);
    RaftTransportServer s = server;
    if (s != null) {
      s.close();
    }
    connections.close().awaitUninterruptibly(config.connectTimeout().toMillis());
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly();
    LOG.info(() -> "node " + self + " stopped its Raft transport");
  }

  private PeerLink link(NodeId peer) {
    PeerLink link = links.get(peer);
    if (link != null) {
      return link;
    }
    PeerLink created =
        links.computeIfAbsent(
            peer,
            id ->
                new PeerLink(
                    self,
                    id,
                    config.maxOutboundBytesPerPeer(),
                    group.next(),
                    this::dial,
                    new Backoff(
                        config.reconnectBackoffMin(),
                        config.reconnectBackoffMax(),
                        bound -> ThreadLocalRandom.current().nextLong(bound))));
    if (server != null) {
      created.start(); // idempotent: start() may also have reached it
    }
    return created;
  }

  private ChannelFuture dial(InetSocketAddress address, NodeId peer, EventLoop loop) {
    return dialBootstrap
        .clone(loop)
        .handler(
            new RaftChannelInitializer(
                config.maxFrameSize(),
                RaftChannelInitializer.initiatorTls(tls, address, config.connectTimeout()),
                ch -> handshakeHandler(ch, Role.INITIATOR, peer)))
        .connect(address);
  }

  private ChannelHandler handshakeHandler(Channel channel, Role role, NodeId expectedPeer) {
    connections.add(channel);
    return new RaftHandshakeHandler(
        role,
        self,
        expectedPeer,
        secret,
        random,
        config.connectTimeout(),
        config.maxFrameSize(),
        handshakeListener);
  }

  private final class HandshakeListener implements RaftHandshakeHandler.Listener {
    @Override
    public ChannelHandler authenticated(Channel channel, Session session) {
      if (closed) {
        channel.close();
      }
      if (session.isClient()) {
        OutboundQueue replies = new OutboundQueue(config.maxOutboundBytesPerPeer());
        replies.attach(channel);
        LOG.fine(() -> "accepted " + session);
        return new RaftMessageHandler(self, session, inbound, replies);
      }
      PeerLink link = link(session.remoteNode());
      link.adopt(channel, session);
      return new RaftMessageHandler(self, session, inbound, link.queue());
    }

    @Override
    public void failed(Channel channel, HandshakeException reason) {
      if (reason.refused()) {
        refusedHandshakes.incrementAndGet();
      }
    }
  }
}
