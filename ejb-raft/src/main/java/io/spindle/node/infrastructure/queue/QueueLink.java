package io.spindle.node.infrastructure.queue;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.timeout.IdleStateHandler;
import io.spindle.discovery.HostPort;
import io.spindle.node.application.QueueDepths;
import io.spindle.node.application.QueueServerStatus;
import io.spindle.protocol.queue.QueueFrame;
import io.spindle.protocol.queue.QueueProtocol;
import io.spindle.wire.ProtobufFrameCodec;
import java.net.InetSocketAddress;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

/**
 * A {@link QueueWorker}'s link to one queue server: it dials, and after every failure or closed
 * connection dials the same server again after its own jittered back-off (up to {@link
 * #MAX_BACKOFF_MILLIS}), so each queue server a node knows is tried independently of the others.
 * Each connection is a {@link QueueServerConnection}.
 *
 * <p><b>Threading:</b> state lives on the worker's event loop; {@link #connection} is read from any
 * thread (status pages, submissions).
 */
final class QueueLink {
  // The worker's logger: logging config stays valid.
  private static final Logger LOG = Logger.getLogger(QueueWorker.class.getName());
  private static final long MAX_BACKOFF_MILLIS = 5_000;
  private static final ProtobufFrameCodec<QueueFrame> CODEC =
      ProtobufFrameCodec.of(QueueFrame.getDefaultInstance(), QueueFrame.class);

  final QueueWorker worker;
  final InetSocketAddress server;

  /** host:port as nodes and clients name it ({@code [v6]:port} for an IPv6 literal). */
  final String address;

  // Event loop only.
  int failures;
  boolean retired;

  // Written on the event loop; read from any thread.
  volatile QueueServerConnection connection;

  QueueLink(QueueWorker worker, InetSocketAddress server) {
    this.worker = worker;
    this.server = server;
    this.address = name(server);
  }

  /** {@code host:port}, the host as given (not resolved), an IPv6 literal in brackets. */
  static String name(InetSocketAddress server) {
    return new HostPort(server.getHostString(), server.getPort()).toString();
  }

  /** The connection, if it is open and welcomed. */
  Optional<QueueServerConnection> live() {
    QueueServerConnection c = connection;
    return c != null && c.welcome != null && c.channel.isActive()
        ? Optional.of(c)
        : Optional.empty();
  }

  QueueServerStatus status() {
    Optional<QueueServerConnection> c = live();
    return new QueueServerStatus(
        address, c.isPresent(), c.map(conn -> conn.queues).flatMap(Optional::ofNullable));
  }

  Optional<QueueDepths> depths() {
    return live().map(c -> c.queues);
  }

  void dial() {
    if (worker.closed || retired) {
      return;
    }
    InetSocketAddress resolved = new InetSocketAddress(server.getHostString(), server.getPort());
    QueueServerConnection attempt = new QueueServerConnection(this);
    new Bootstrap()
        .group(worker.group)
        .channel(NioSocketChannel.class)
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 5_000)
        .option(ChannelOption.TCP_NODELAY, true)
        .handler(
            new ChannelInitializer<SocketChannel>() {
              @Override
              protected void initChannel(SocketChannel ch) {
                if (worker.settings.tls() != null) {
                  SslHandler tls =
                      new SslHandler(
                          worker
                              .settings
                              .tls()
                              .clientEngine(server.getHostString(), server.getPort()));
                  tls.setHandshakeTimeoutMillis(5_000);
                  ch.pipeline().addLast("tls", tls);
                }
                ch.pipeline().addLast(new IdleStateHandler(10, 2, 0));
                CODEC.addTo(ch.pipeline(), QueueProtocol.MAX_HANDSHAKE_FRAME_SIZE);
                ch.pipeline().addLast(attempt);
              }
            })
        .connect(resolved)
        .addListener(
            f -> {
              if (!f.isSuccess()) {
                retryLater(f.cause());
              }
            });
  }

  /** Dials this queue server again after a jittered back-off that grows with the failures. */
  void retryLater(Throwable why) {
    if (worker.closed || retired) {
      return;
    }
    failures++;
    long backoff = Math.min(MAX_BACKOFF_MILLIS, 100L << Math.min(failures, 6));
    long delay = backoff / 2 + ThreadLocalRandom.current().nextLong(backoff / 2 + 1);
    if (failures == 1 || failures % 20 == 0) {
      LOG.warning(
          () ->
              "Node "
                  + worker.nodeId
                  + " cannot take work from the queue server at "
                  + address
                  + " ("
                  + (why == null ? "disconnected" : why.getMessage())
                  + "); retrying in "
                  + delay
                  + " ms");
    }
    worker.group.schedule(this::dial, delay, TimeUnit.MILLISECONDS);
  }
}
