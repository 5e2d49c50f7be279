package io.spindle.queue.metrics;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.spindle.wire.ConnectionErrors;
import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.logging.Logger;

/**
 * The queue server's metrics port: HTTP/1.1 on one Netty thread of its own, answering {@code GET
 * /metrics} (see {@link MetricsHttpHandler}). Bounded: at most {@value
 * MetricsHttpInitializer#MAX_CONNECTIONS} connections at once, small request lines and headers, no
 * request bodies, idle connections closed.
 *
 * <p>Thread-safe; {@link #close()} stops it and closes its connections.
 */
public final class MetricsHttpServer implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(MetricsHttpServer.class.getName());

  private final EventLoopGroup group;
  private final Channel serverChannel;

  private MetricsHttpServer(EventLoopGroup group, Channel serverChannel) {
    this.group = group;
    this.serverChannel = serverChannel;
  }

  /**
   * Binds {@code address} and serves the metrics {@code metrics} gives.
   *
   * @param metrics called on the port's thread for each scrape; it must not block (it returns a
   *     future)
   * @throws IllegalStateException the port cannot be bound (the message says why)
   */
  public static MetricsHttpServer start(
      InetSocketAddress address, Supplier<CompletableFuture<MetricSnapshots>> metrics)
      throws InterruptedException {
    EventLoopGroup group = new NioEventLoopGroup(1, new DefaultThreadFactory("spindle-metrics"));
    ServerBootstrap bootstrap =
        new ServerBootstrap()
            .group(group)
            .channel(NioServerSocketChannel.class)
            .option(ChannelOption.SO_REUSEADDR, true)
            .option(ChannelOption.SO_BACKLOG, 64)
            .childOption(ChannelOption.TCP_NODELAY, true)
            .childHandler(new MetricsHttpInitializer(metrics));
    ChannelFuture bound = bootstrap.bind(address).await();
    if (!bound.isSuccess()) {
      group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly();
      throw new IllegalStateException(
          "cannot serve metrics on "
              + address
              + ": "
              + ConnectionErrors.describe(bound.cause())
              + " (is another process using the port? choose another with --metrics-port, or 0"
              + " for none)",
          bound.cause());
    }
    MetricsHttpServer server = new MetricsHttpServer(group, bound.channel());
    LOG.info(() -> "metrics on http://" + hostPort(server.localAddress()) + "/metrics");
    return server;
  }

  public InetSocketAddress localAddress() {
    return (InetSocketAddress) serverChannel.localAddress();
  }

  @Override
  public void close() {
    serverChannel.close().awaitUninterruptibly();
    group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly();
  }

  private static String hostPort(InetSocketAddress a) {
    String host = a.getAddress().getHostAddress();
    return (host.contains(":") ? "[" + host + "]" : host) + ":" + a.getPort();
  }
}
