package io.spindle.raft.server.transport;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.ScheduledFuture;
import io.spindle.protocol.raft.ClientReply;
import io.spindle.protocol.raft.ClientRequest;
import io.spindle.protocol.raft.RaftFrame;
import io.spindle.protocol.tls.ClusterTls;
import io.spindle.raft.server.transport.Handshake.Role;
import io.spindle.wire.Backoff;
import io.spindle.wire.ClusterSecret;
import io.spindle.wire.ConnectionErrors;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

/**
 * A client of one node's Raft port: authenticates with the cluster secret (the node's handshake,
 * without a node id) and sends {@link ClientRequest}s, many in flight, each answered by the {@link
 * ClientReply} with the same {@code request_id}.
 *
 * <p><b>Connection:</b> made on the first {@link #send}, and made again on the next send after it
 * fails or closes, no sooner than an exponential back-off with jitter allows. When a connection
 * fails or closes, every request in flight completes exceptionally (an {@link IOException}; a
 * {@link HandshakeException} when the node refused this client): it may or may not have been
 * applied, and a retry with the same request id is applied once by the state machine.
 *
 * <p><b>Threading:</b> {@link #send} may be called from any thread and never blocks. Futures
 * complete on the client's I/O thread: do not block in their dependent stages (use the {@code
 * *Async} variants for slow work). {@link #close()} blocks until the I/O thread stops.
 */
public final class RaftClient implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(RaftClient.class.getName());

  private final InetSocketAddress node;
  private final EventLoopGroup group;
  private final EventLoop loop;
  private final Bootstrap bootstrap;
  private final OutboundQueue requests;
  private final ConcurrentMap<Long, CompletableFuture<ClientReply>> inFlight =
      new ConcurrentHashMap<>();
  private final Backoff backoff;
  private final Runnable connectTask = this::connectIfNeeded;
  private volatile boolean closed;

  // Confined to loop.
  private Channel channel;
  private Channel connecting;
  private ScheduledFuture<?> retry;
  private long notBeforeNanos;

  /**
   * @param node the node's Raft address
   * @param clusterSecret the cluster's shared secret
   * @param threadFactory makes the one I/O thread
   */
  public RaftClient(
      InetSocketAddress node,
      byte[] clusterSecret,
      RaftTransportSettings config,
      ThreadFactory threadFactory) {
    this(node, clusterSecret, config, null, threadFactory);
  }

  /** A client over TLS trusting {@code tls}'s CA (plain text if null). */
  public RaftClient(
      InetSocketAddress node,
      byte[] clusterSecret,
      RaftTransportSettings config,
      ClusterTls tls,
      ThreadFactory threadFactory) {
    this.node = Objects.requireNonNull(node, "node");
    ClusterSecret secret = new ClusterSecret(clusterSecret);
    Objects.requireNonNull(config, "config");
    this.group = new NioEventLoopGroup(1, Objects.requireNonNull(threadFactory, "threadFactory"));
    this.loop = group.next();
    this.requests = new OutboundQueue(config.maxOutboundBytesPerPeer());
    this.backoff =
        new Backoff(
            config.reconnectBackoffMin(),
            config.reconnectBackoffMax(),
            bound -> ThreadLocalRandom.current().nextLong(bound));
    SecureRandom random = new SecureRandom();
    RaftHandshakeHandler.Listener listener = new HandshakeListener();
    this.bootstrap =
        RaftTransportServer.clientBootstrap(loop, config.connectTimeout())
            .handler(
                new RaftChannelInitializer(
                    config.maxFrameSize(),
                    RaftChannelInitializer.initiatorTls(tls, node, config.connectTimeout()),
                    ch ->
                        new RaftHandshakeHandler(
                            Role.INITIATOR,
                            null,
                            null,
                            secret,
                            random,
                            config.connectTimeout(),
                            config.maxFrameSize(),
                            listener)));
  }

  /** A client with the default configuration, on a daemon thread of its own. */
  public RaftClient(InetSocketAddress node, byte[] clusterSecret) {
    this(
        node,
        clusterSecret,
        RaftTransportSettings.defaults(),
        new DefaultThreadFactory("raft-client", true));
  }

  /**
   * Sends {@code request}; the future completes with its reply, or exceptionally when the
   * connection fails first, when another request with the same id is in flight ({@link
   * IllegalArgumentException}), when too many bytes of requests wait to be written ({@link
   * RejectedExecutionException}), or after {@link #close()}.
   */
  public CompletableFuture<ClientReply> send(ClientRequest request) {
    Objects.requireNonNull(request, "request");
    CompletableFuture<ClientReply> reply = new CompletableFuture<>();
    if (closed) {
      reply.completeExceptionally(new IOException("the client of " + node + " is closed"));
      return reply;
    }
    long id = request.getRequestId();
    if (inFlight.putIfAbsent(id, reply) != null) {
      reply.completeExceptionally(
          new IllegalArgumentException("request id " + id + " is already in flight"));
      return reply;
    }
    if (!requests.offer(RaftFrame.newBuilder().setClientRequest(request).build())) {
      inFlight.remove(id, reply);
      reply.completeExceptionally(
          new RejectedExecutionException(
              "too many bytes of requests wait to be written to "
                  + node
                  + "; wait for replies before sending more"));
      return reply;
    }
    if (requests.channel() == null) {
      try {
        loop.execute(connectTask);
      } catch (RejectedExecutionException e) {
        failAll(new IOException("the client of " + node + " is closed"));
      }
    }
    return reply;
  }

  /** Requests sent and not yet answered. */
  public int inFlight() {
    return inFlight.size();
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly();
    failAll(new IOException("the client of " + node + " is closed"));
  }

  private void connectIfNeeded() {
    if (closed || channel != null || connecting != null || retry != null) {
      return;
    }
    long wait = notBeforeNanos - System.nanoTime();
    if (wait > 0) {
      retry =
          loop.schedule(
              () -> {
                retry = null;
                connectIfNeeded();
              },
              wait,
              TimeUnit.NANOSECONDS);
      return;
    }
    ChannelFuture connect = bootstrap.connect(node);
    Channel dialled = connect.channel();
    connecting = dialled;
    connect.addListener(
        f -> {
          if (!f.isSuccess()) {
            connectionFailed(
                dialled,
                new IOException(
                    "cannot reach node at " + node + ": " + ConnectionErrors.describe(f.cause()),
                    f.cause()));
          }
        });
  }

  private void connectionFailed(Channel dialled, IOException reason) {
    if (dialled == connecting) {
      connecting = null;
    }
    notBeforeNanos = System.nanoTime() + backoff.next().toNanos();
    LOG.fine(() -> reason.getMessage());
    failAll(reason);
  }

  private void closed(Channel closedChannel) {
    if (closedChannel != channel) {
      return;
    }
    channel = null;
    requests.detach(closedChannel);
    notBeforeNanos = System.nanoTime() + backoff.next().toNanos();
    LOG.info(() -> "connection to node at " + node + " closed");
    failAll(
        new IOException(
            "connection to node at "
                + node
                + " closed; the request may or may not have been applied"));
  }

  /** Completes every request in flight exceptionally and forgets the ones not yet written. */
  private void failAll(Throwable cause) {
    requests.clear();
    for (Long id : inFlight.keySet()) {
      CompletableFuture<ClientReply> future = inFlight.remove(id);
      if (future != null) {
        future.completeExceptionally(cause);
      }
    }
  }

  private final class HandshakeListener implements RaftHandshakeHandler.Listener {
    @Override
    public ChannelHandler authenticated(Channel authenticated, Session session) {
      connecting = null;
      channel = authenticated;
      backoff.reset();
      authenticated.closeFuture().addListener(f -> closed(authenticated));
      requests.attach(authenticated);
      LOG.fine(() -> "connected to " + session);
      return new RaftClientHandler(session, id -> inFlight.remove(id), requests);
    }

    @Override
    public void failed(Channel dialled, HandshakeException reason) {
      connectionFailed(dialled, reason);
    }
  }
}
