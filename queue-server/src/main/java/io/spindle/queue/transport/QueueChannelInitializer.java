package io.spindle.queue.transport;

import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.handler.ssl.SslHandler;
import io.spindle.protocol.auth.ClientTokens;
import io.spindle.protocol.federation.FederationSecret;
import io.spindle.protocol.queue.QueueFrame;
import io.spindle.protocol.queue.QueueProtocol;
import io.spindle.protocol.tls.ClusterTls;
import io.spindle.queue.service.QueueService;
import io.spindle.wire.ClusterSecret;
import io.spindle.wire.ProtobufFrameCodec;
import java.security.SecureRandom;
import java.util.function.Supplier;

/**
 * The pipeline of every accepted connection:
 *
 * <pre>
 *   limits           {@link ConnectionLimiter}: connections in total and per address
 *   tls              (unless plain text) TLS 1.3 with the server's certificate
 *   idle             (added after the handshake) a node's KeepAlive / dead-connection events, a
 *                    client's idle timeout
 *   frameDecoder     varint32 length + body, at most 4 KiB until the handshake, then the maximum
 *   protobufDecoder  body -> QueueFrame
 *   frameEncoder     QueueFrame -> varint32 length + body, in one buffer
 *   handshake        {@link ServerHandshakeHandler}, which on success replaces itself with
 *   messages         {@link ClientConnectionHandler} or {@link NodeConnectionHandler}
 * </pre>
 */
final class QueueChannelInitializer extends ChannelInitializer<Channel> {
  static final String LIMITS = "limits";
  static final String TLS = "tls";
  static final String IDLE = "idle";
  static final String HANDSHAKE = "handshake";
  static final String MESSAGE_HANDLER = "messages";

  // Stateless and @Sharable but for the frame decoder: one codec serves every channel.
  private static final ProtobufFrameCodec<QueueFrame> CODEC =
      ProtobufFrameCodec.of(QueueFrame.getDefaultInstance(), QueueFrame.class);

  private final Supplier<QueueService> service;
  private final ClusterSecret secret;
  private final FederationSecret federationSecret;
  private final ClientTokens tokens;
  private final QueuePortSettings transport;
  private final SecureRandom random = new SecureRandom();
  private final ConnectionLimiter limiter;
  private final ClusterTls tls;

  /**
   * @param federationSecret the federation's secret, or null: then federation hellos are refused
   */
  QueueChannelInitializer(
      Supplier<QueueService> service,
      ClusterSecret secret,
      FederationSecret federationSecret,
      ClientTokens tokens,
      QueuePortSettings transport,
      ClusterTls tls) {
    this.tls = tls;
    this.service = service;
    this.secret = secret;
    this.federationSecret = federationSecret;
    this.tokens = tokens;
    this.transport = transport;
    this.limiter =
        new ConnectionLimiter(transport.maxConnections(), transport.maxConnectionsPerAddress());
  }

  /** Connections open now, clients and nodes (those refused at once not counted). */
  int openConnections() {
    return limiter.open();
  }

  @Override
  protected void initChannel(Channel ch) {
    ch.pipeline().addLast(LIMITS, limiter);
    if (tls != null) {
      SslHandler ssl = new SslHandler(tls.serverEngine(false));
      ssl.setHandshakeTimeoutMillis(transport.handshakeTimeout().toMillis());
      ch.pipeline().addLast(TLS, ssl);
    }
    CODEC.addTo(
        ch.pipeline(), Math.min(transport.maxFrameSize(), QueueProtocol.MAX_HANDSHAKE_FRAME_SIZE));
    ch.pipeline()
        .addLast(
            HANDSHAKE,
            new ServerHandshakeHandler(
                service.get(), secret, federationSecret, tokens, random, transport));
  }
}
