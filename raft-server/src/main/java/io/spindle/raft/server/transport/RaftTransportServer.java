package io.spindle.raft.server.transport;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.spindle.wire.ConnectionErrors;
import java.net.InetSocketAddress;
import java.time.Duration;

/**
 * The listening socket of a node's Raft port (the Netty examples' {@code *Server}): binds it, with
 * the {@link RaftChannelInitializer} for accepted connections, and closes it. Also holds the socket
 * options every Raft connection uses, dialled or accepted.
 */
final class RaftTransportServer {
  /**
   * How much Netty buffers per connection before it reports the channel unwritable. Generous enough
   * to keep a fast socket busy between drains; the per-peer bound covers these bytes too.
   */
  static final WriteBufferWaterMark WATER_MARK = new WriteBufferWaterMark(256 * 1024, 1024 * 1024);

  private final Channel serverChannel;

  private RaftTransportServer(Channel serverChannel) {
    this.serverChannel = serverChannel;
  }

  /** Binds {@code address}; throws {@link IllegalStateException} saying why it cannot. */
  static RaftTransportServer bind(
      EventLoopGroup group, InetSocketAddress address, ChannelHandler childInitializer)
      throws InterruptedException {
    ServerBootstrap bootstrap =
        new ServerBootstrap()
            .group(group)
            .channel(NioServerSocketChannel.class)
            .option(ChannelOption.SO_REUSEADDR, true)
            .option(ChannelOption.SO_BACKLOG, 128)
            .childOption(ChannelOption.TCP_NODELAY, true)
            .childOption(ChannelOption.SO_KEEPALIVE, true)
            .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, WATER_MARK)
            .childHandler(childInitializer);
    ChannelFuture bound = bootstrap.bind(address).await();
    if (!bound.isSuccess()) {
      throw new IllegalStateException(
          "cannot listen for Raft peers and clients on "
              + address
              + ": "
              + ConnectionErrors.describe(bound.cause())
              + " (is another process using the port?)",
          bound.cause());
    }
    return new RaftTransportServer(bound.channel());
  }

  /** A client bootstrap with the same socket options, for dialling peers and nodes. */
  static Bootstrap clientBootstrap(EventLoopGroup group, Duration connectTimeout) {
    return new Bootstrap()
        .group(group)
        .channel(NioSocketChannel.class)
        .option(ChannelOption.TCP_NODELAY, true)
        .option(ChannelOption.SO_KEEPALIVE, true)
        .option(ChannelOption.WRITE_BUFFER_WATER_MARK, WATER_MARK)
        .option(
            ChannelOption.CONNECT_TIMEOUT_MILLIS,
            (int) Math.min(Integer.MAX_VALUE, connectTimeout.toMillis()));
  }

  InetSocketAddress localAddress() {
    return (InetSocketAddress) serverChannel.localAddress();
  }

  void close() {
    serverChannel.close().awaitUninterruptibly();
  }
}
