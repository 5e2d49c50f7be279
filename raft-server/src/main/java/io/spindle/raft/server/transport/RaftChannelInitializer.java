package io.spindle.raft.server.transport;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.ssl.SslHandler;
import io.spindle.protocol.raft.RaftFrame;
import io.spindle.protocol.tls.ClusterTls;
import io.spindle.wire.ProtobufFrameCodec;
import io.spindle.wire.Varint32FrameDecoder;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.function.Function;

/**
 * The pipeline of every connection, accepted or dialled, node or client:
 *
 * <pre>
 *   tls              (unless plain text) TLS 1.3: the acceptor's certificate, of the cluster's CA
 *   idle             idle events: send a KeepAlive, or close a dead connection ({@link KeepAlives})
 *   frameDecoder     varint32 length + body, with a maximum frame size ({@link Varint32FrameDecoder})
 *   protobufDecoder  body -> RaftFrame
 *   frameEncoder     RaftFrame -> varint32 length + body, in one buffer ({@link ProtobufFrameEncoder})
 *   handshake        {@link RaftHandshakeHandler}, which on success replaces itself with
 *   messages         {@link RaftMessageHandler} (node side) or {@link RaftClientHandler} (client side)
 * </pre>
 */
final class RaftChannelInitializer extends ChannelInitializer<Channel> {
  static final String TLS = "tls";
  static final String IDLE = "idle";
  static final String HANDSHAKE = "handshake";
  static final String MESSAGE_HANDLER = "messages";

  // Stateless and @Sharable but for the frame decoder: one codec serves every channel.
  private static final ProtobufFrameCodec<RaftFrame> CODEC =
      ProtobufFrameCodec.of(RaftFrame.getDefaultInstance(), RaftFrame.class);

  private final int maxFrameSize;
  private final Function<Channel, ChannelHandler> tls;
  private final Function<Channel, ChannelHandler> handshake;

  /**
   * @param maxFrameSize the frame limit once authenticated; before, the limit is {@link
   *     Handshake#MAX_UNAUTHENTICATED_FRAME_SIZE} (or this, if smaller)
   * @param tls creates the TLS handler for a new channel; null for plain text
   * @param handshake creates the handshake handler for a new channel
   */
  RaftChannelInitializer(
      int maxFrameSize,
      Function<Channel, ChannelHandler> tls,
      Function<Channel, ChannelHandler> handshake) {
    this.maxFrameSize = maxFrameSize;
    this.tls = tls;
    this.handshake = handshake;
  }

  /** The TLS handler of an accepted connection, or null for plain text. */
  static Function<Channel, ChannelHandler> acceptorTls(ClusterTls tls, Duration timeout) {
    if (tls == null) {
      return null;
    }
    return ch -> {
      SslHandler h = new SslHandler(tls.serverEngine(false));
      h.setHandshakeTimeoutMillis(timeout.toMillis());
      return h;
    };
  }

  /** The TLS handler of a dialled connection, or null for plain text. */
  static Function<Channel, ChannelHandler> initiatorTls(
      ClusterTls tls, InetSocketAddress remote, Duration timeout) {
    if (tls == null) {
      return null;
    }
    return ch -> {
      SslHandler h = new SslHandler(tls.clientEngine(remote.getHostString(), remote.getPort()));
      h.setHandshakeTimeoutMillis(timeout.toMillis());
      return h;
    };
  }

  @Override
  protected void initChannel(Channel ch) {
    if (tls != null) {
      ch.pipeline().addLast(TLS, tls.apply(ch));
    }
    ch.pipeline().addLast(IDLE, KeepAlives.idleStateHandler());
    addCodec(ch.pipeline(), Math.min(maxFrameSize, Handshake.MAX_UNAUTHENTICATED_FRAME_SIZE));
    ch.pipeline().addLast(HANDSHAKE, handshake.apply(ch));
  }

  /** The three codec handlers, first in the pipeline. */
  static void addCodec(ChannelPipeline pipeline, int maxFrameSize) {
    CODEC.addTo(pipeline, maxFrameSize);
  }
}
