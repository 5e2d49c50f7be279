package io.spindle.queue.transport;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.spindle.protocol.auth.ClientTokens;
import io.spindle.protocol.federation.FederationSecret;
import io.spindle.protocol.tls.ClusterTls;
import io.spindle.queue.service.QueueService;
import io.spindle.wire.ClusterSecret;
import io.spindle.wire.ConnectionErrors;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.logging.Logger;

/**
 * The queue server's listening socket (the Netty examples' {@code *Server}). It binds without
 * accepting, so the caller can learn the bound port, build the {@link QueueService} around it, and
 * then {@link #startAccepting()}.
 */
public final class QueueTransportServer implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(QueueTransportServer.class.getName());
  private static final WriteBufferWaterMark WATER_MARK =
      new WriteBufferWaterMark(256 * 1024, 1024 * 1024);

  private final EventLoopGroup boss;
  private final EventLoopGroup workers;
  private final Channel serverChannel;
  private final QueueChannelInitializer initializer;

  private QueueTransportServer(
      EventLoopGroup boss,
      EventLoopGroup workers,
      Channel serverChannel,
      QueueChannelInitializer initializer) {
    this.initializer = initializer;
    this.boss = boss;
    this.workers = workers;
    this.serverChannel = serverChannel;
  }

  /**
   * Binds {@code address}; throws {@link IllegalStateException} saying why it cannot.
   *
   * @param service the service, read when the first connection arrives (after {@link
   *     #startAccepting()})
   * @param federationSecret the federation's secret, which the leaders of the federation's other
   *     clusters prove to forward a ping here; null if this queue server is in no federation (it
   *     refuses them)
   * @param tls TLS on every connection, or null for plain text
   * @param workerThreads event loop threads for connections; 0 for Netty's default
   */
  public static QueueTransportServer bind(
      InetSocketAddress address,
      Supplier<QueueService> service,
      ClusterSecret secret,
      FederationSecret federationSecret,
      ClientTokens tokens,
      QueuePortSettings transport,
      ClusterTls tls,
      int workerThreads)
      throws InterruptedException {
    if (tokens.isEmpty()) {
      LOG.warning(
          "no client tokens are configured (--tokens-file or SPINDLE_AUTH_TOKENS_FILE): this queue"
              + " server accepts nodes but refuses every client");
    }
    if (secret.isShorterThanRecommended()) {
      LOG.warning(
          "the cluster secret is shorter than "
              + ClusterSecret.RECOMMENDED_MIN_BYTES
              + " bytes: anyone who can connect can try to guess it offline; use a long random"
              + " secret");
    }
    EventLoopGroup boss =
        new NioEventLoopGroup(1, new DefaultThreadFactory("spindle-queue-accept"));
    EventLoopGroup workers =
        new NioEventLoopGroup(workerThreads, new DefaultThreadFactory("spindle-queue-io"));
    QueueChannelInitializer initializer =
        new QueueChannelInitializer(service, secret, federationSecret, tokens, transport, tls);
    ServerBootstrap bootstrap =
        new ServerBootstrap()
            .group(boss, workers)
            .channel(NioServerSocketChannel.class)
            .option(ChannelOption.SO_REUSEADDR, true)
            .option(ChannelOption.SO_BACKLOG, 1024)
            .option(ChannelOption.AUTO_READ, false)
            .childOption(ChannelOption.TCP_NODELAY, true)
            .childOption(ChannelOption.SO_KEEPALIVE, true)
            .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, WATER_MARK)
            .childHandler(initializer);
    ChannelFuture bound = bootstrap.bind(address).await();
    if (!bound.isSuccess()) {
      shutdown(boss, workers);
      throw new IllegalStateException(
          "cannot listen for clients and nodes on "
              + address
              + ": "
              + ConnectionErrors.describe(bound.cause())
              + " (is another process using the port?)",
          bound.cause());
    }
    return new QueueTransportServer(boss, workers, bound.channel(), initializer);
  }

  /** Starts accepting connections. */
  public void startAccepting() {
    serverChannel.config().setAutoRead(true);
    serverChannel.read();
  }

  /** Connections open now on the queue port, clients and nodes. Any thread. */
  public int openConnections() {
    return initializer.openConnections();
  }

  public InetSocketAddress localAddress() {
    return (InetSocketAddress) serverChannel.localAddress();
  }

  /** Stops accepting, closes every connection and stops the I/O threads. */
  @Override
  public void close() {
    serverChannel.close().awaitUninterruptibly();
    shutdown(boss, workers);
  }

  private static void shutdown(EventLoopGroup boss, EventLoopGroup workers) {
    boss.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly();
    workers.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly();
  }
}
