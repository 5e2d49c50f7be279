package io.spindle.queue.transport;

import com.google.protobuf.ByteString;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.ScheduledFuture;
import io.spindle.protocol.auth.ClientTokens;
import io.spindle.protocol.federation.FederationSecret;
import io.spindle.protocol.logging.RateLimitedLog;
import io.spindle.protocol.queue.ClientHello;
import io.spindle.protocol.queue.FederationHello;
import io.spindle.protocol.queue.Goodbye;
import io.spindle.protocol.queue.NodeHello;
import io.spindle.protocol.queue.NodeProof;
import io.spindle.protocol.queue.QueueFrame;
import io.spindle.protocol.queue.QueueProtocol;
import io.spindle.protocol.queue.ServerChallenge;
import io.spindle.protocol.queue.Welcome;
import io.spindle.queue.service.QueueService;
import io.spindle.queue.service.ServiceSettings;
import io.spindle.queue.spool.UploadSpec;
import io.spindle.wire.ClusterSecret;
import io.spindle.wire.ConnectionErrors;
import io.spindle.wire.Varint32FrameDecoder;
import java.security.SecureRandom;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The first frames of every connection. A {@code ClientHello} makes it a client connection at once
 * (clients are users: no secret); a {@code NodeHello} starts the node's challenge-response (see
 * queue.proto): the server proves the secret over the node's nonce, the node over the server's. On
 * success the frame limit rises to the configured maximum, the server sends Welcome, and this
 * handler replaces itself with {@link ClientConnectionHandler} or {@link NodeConnectionHandler}.
 *
 * <p>A {@code FederationHello} starts the same challenge-response under the federation secret, with
 * the roles {@link QueueProtocol#FEDERATION_SERVER} and {@link QueueProtocol#FEDERATION_MEMBER} and
 * the caller's cluster and node in the transcript: another cluster's leader, forwarding a ping. On
 * success it is answered with a client's Welcome and goes on as a client connection whose peer is
 * that federation member ({@link ChannelPeer#authenticateFederation}), which may only ping this
 * cluster. A queue server without a federation secret refuses every federation hello, and so does
 * one asked by a caller that claims to be of its own cluster.
 *
 * <p>Anything else (another message first, a wrong version, cluster or proof, a malformed hello, a
 * handshake that takes too long) is refused: logged once at WARNING with the remote address and the
 * reason, told to the remote in a Goodbye, and the connection closed. The secret is never logged.
 *
 * <p>Runs on the channel's event loop; computing an HMAC is the only work it does.
 */
final class ServerHandshakeHandler extends SimpleChannelInboundHandler<QueueFrame> {
  private static final Logger LOG = Logger.getLogger(ServerHandshakeHandler.class.getName());
  private static final RateLimitedLog LIMITED_LOG = RateLimitedLog.of(LOG);
  private static final int MAX_ID_LENGTH = 255;

  private enum State {
    AWAIT_HELLO,
    AWAIT_PROOF,
    DONE
  }

  /** Which conversation the first frame started; decides the kind of Goodbye and of proof. */
  private enum Conversation {
    UNKNOWN,
    CLIENT,
    NODE,
    FEDERATION
  }

  private final QueueService service;
  private final ClusterSecret secret;
  private final FederationSecret federationSecret;
  private final ClientTokens tokens;
  private final SecureRandom random;
  private final QueuePortSettings transport;

  private State state = State.AWAIT_HELLO;
  private Conversation conversation = Conversation.UNKNOWN;
  private String nodeId = "";
  private String clusterId = "";
  private byte[] nodeNonce;
  private byte[] serverNonce;
  private ScheduledFuture<?> timeoutTask;
  private boolean refused;
  private boolean reasonLogged;

  /**
   * @param federationSecret the federation's secret, or null if this queue server is in no
   *     federation (then every federation hello is refused)
   */
  ServerHandshakeHandler(
      QueueService service,
      ClusterSecret secret,
      FederationSecret federationSecret,
      ClientTokens tokens,
      SecureRandom random,
      QueuePortSettings transport) {
    this.service = service;
    this.secret = secret;
    this.federationSecret = federationSecret;
    this.tokens = tokens;
    this.random = random;
    this.transport = transport;
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    timeoutTask =
        ctx.executor()
            .schedule(
                () -> onTimeout(ctx), transport.handshakeTimeout().toNanos(), TimeUnit.NANOSECONDS);
    ctx.fireChannelActive();
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, QueueFrame frame) {
    if (state == State.DONE) {
      return; // refused; the rest is discarded while the connection closes
    }
    if (frame.getClientCase() != QueueFrame.ClientCase.CLIENT_NOT_SET
        && frame.getNodeCase() != QueueFrame.NodeCase.NODE_NOT_SET) {
      refuse(ctx, "sent a frame with both a client and a node message");
      return;
    }
    if (frame.hasClientHello()) {
      onClientHello(ctx, frame.getClientHello());
    } else if (frame.hasNodeHello()) {
      onNodeHello(ctx, frame.getNodeHello());
    } else if (frame.hasNodeProof()) {
      onNodeProof(ctx, frame.getNodeProof());
    } else if (frame.hasFederationHello()) {
      onFederationHello(ctx, frame.getFederationHello());
    } else if (frame.hasFederationProof()) {
      onFederationProof(ctx, frame.getFederationProof());
    } else if (frame.hasClientGoodbye() || frame.hasNodeGoodbye()) {
      Goodbye g = frame.hasClientGoodbye() ? frame.getClientGoodbye() : frame.getNodeGoodbye();
      LOG.info(
          () ->
              ctx.channel().remoteAddress()
                  + " left during the handshake: "
                  + ConnectionErrors.printable(g.getReason()));
      finish(ctx);
      ctx.close();
    } else {
      refuse(ctx, "sent " + describe(frame) + " before completing the handshake");
    }
  }

  private void onClientHello(ChannelHandlerContext ctx, ClientHello hello) {
    if (state != State.AWAIT_HELLO) {
      refuse(
          ctx,
          "sent a ClientHello in the middle of a "
              + (conversation == Conversation.FEDERATION ? "federation" : "node")
              + " handshake");
      return;
    }
    conversation = Conversation.CLIENT;
    if (hello.getProtocolVersion() != QueueProtocol.VERSION) {
      refuse(ctx, versionMismatch(hello.getProtocolVersion()));
      return;
    }
    ServiceSettings config = service.config();
    if (!hello.getClusterId().isEmpty() && !hello.getClusterId().equals(config.clusterId())) {
      refuse(
          ctx,
          "asked for cluster '"
              + ConnectionErrors.printable(hello.getClusterId())
              + "' but this queue server serves '"
              + config.clusterId()
              + "'");
      return;
    }
    Optional<ClientTokens.Holder> holder = tokens.holder(hello.getToken());
    if (holder.isEmpty()) {
      refuse(
          ctx,
          tokens.isEmpty()
              ? "is a client, and this queue server accepts no client: it was started without"
                  + " client tokens (--tokens-file)"
              : hello.getToken().isEmpty()
                  ? "sent no client token; give the client one (spindle --token-file FILE, or"
                      + " SPINDLE_TOKEN; bin/spindle up writes run/client-token)"
                  : "sent a client token this queue server does not know (revoked, or for another"
                      + " cluster)");
      return;
    }
    String agent = ConnectionErrors.printable(hello.getAgent());
    String description =
        "client "
            + ctx.channel().remoteAddress()
            + " ("
            + holder.get().name()
            + (agent.isEmpty() ? "" : ", " + (agent.length() > 60 ? agent.substring(0, 60) : agent))
            + ")";
    ChannelPeer peer =
        new ChannelPeer(ctx.channel(), description, false, transport.maxOutboundBytes());
    peer.authenticate(holder.get());
    finish(ctx);
    raiseFrameLimit(ctx);
    ctx.writeAndFlush(QueueFrame.newBuilder().setClientWelcome(welcome(false)).build());
    ctx.pipeline()
        .addAfter(
            QueueChannelInitializer.LIMITS,
            QueueChannelInitializer.IDLE,
            new IdleStateHandler(
                transport.clientIdleTimeout().toMillis(), 0, 0, TimeUnit.MILLISECONDS));
    LOG.fine(() -> "accepted " + description);
    ctx.pipeline()
        .replace(
            this,
            QueueChannelInitializer.MESSAGE_HANDLER,
            new ClientConnectionHandler(service, peer, transport));
  }

  private void onNodeHello(ChannelHandlerContext ctx, NodeHello hello) {
    if (state != State.AWAIT_HELLO) {
      refuse(ctx, "sent an unexpected NodeHello");
      return;
    }
    conversation = Conversation.NODE;
    if (hello.getProtocolVersion() != QueueProtocol.VERSION) {
      refuse(ctx, versionMismatch(hello.getProtocolVersion()));
      return;
    }
    String problem = nodeIdProblem(hello.getNodeId());
    if (problem != null) {
      refuse(ctx, problem);
      return;
    }
    ServiceSettings config = service.config();
    if (!hello.getClusterId().isEmpty() && !hello.getClusterId().equals(config.clusterId())) {
      refuse(
          ctx,
          "is a node of cluster '"
              + ConnectionErrors.printable(hello.getClusterId())
              + "' but this queue server serves '"
              + config.clusterId()
              + "'");
      return;
    }
    challenge(ctx, hello.getNodeId(), hello.getClusterId(), hello.getNonce());
  }

  private void onNodeProof(ChannelHandlerContext ctx, NodeProof proof) {
    if (state != State.AWAIT_PROOF || conversation != Conversation.NODE) {
      refuse(ctx, "sent a NodeProof without a NodeHello");
      return;
    }
    if (!secret.verifies(transcript(QueueProtocol.NODE), proof.getProof().toByteArray())) {
      refuse(
          ctx,
          "(node "
              + nodeId
              + ") did not prove the cluster secret (the node and the queue server have"
              + " different secrets, or the proof was replayed)");
      return;
    }
    String description = "node " + nodeId + " at " + ctx.channel().remoteAddress();
    ChannelPeer peer =
        new ChannelPeer(ctx.channel(), description, true, transport.maxOutboundBytes());
    finish(ctx);
    raiseFrameLimit(ctx);
    ctx.pipeline()
        .addAfter(
            QueueChannelInitializer.LIMITS,
            QueueChannelInitializer.IDLE,
            new IdleStateHandler(
                transport.deadAfter().toMillis(),
                transport.keepAliveInterval().toMillis(),
                0,
                TimeUnit.MILLISECONDS));
    ctx.writeAndFlush(QueueFrame.newBuilder().setNodeWelcome(welcome(true)).build());
    LOG.info(() -> "authenticated " + description);
    ctx.pipeline()
        .replace(
            this,
            QueueChannelInitializer.MESSAGE_HANDLER,
            new NodeConnectionHandler(service, peer, nodeId, transport));
    service.nodeConnected(peer, nodeId);
  }

  /**
   * Another cluster's leader says who it is: this server proves the federation secret over its
   * nonce and challenges it in turn, exactly as a node is challenged, under the federation secret.
   */
  private void onFederationHello(ChannelHandlerContext ctx, FederationHello hello) {
    if (state != State.AWAIT_HELLO) {
      refuse(ctx, "sent an unexpected FederationHello");
      return;
    }
    conversation = Conversation.FEDERATION;
    if (federationSecret == null) {
      refuse(
          ctx,
          "is a federation member, and this queue server is in no federation (it was started"
              + " without a federation secret: give it --federation-secret-file or"
              + " SPINDLE_FEDERATION_SECRET to join one)");
      return;
    }
    if (hello.getProtocolVersion() != QueueProtocol.VERSION) {
      refuse(ctx, versionMismatch(hello.getProtocolVersion()));
      return;
    }
    String problem = idProblem("cluster id", hello.getClusterId());
    if (problem == null) {
      problem = idProblem("node id", hello.getNodeId());
    }
    if (problem != null) {
      refuse(ctx, "is a federation member and " + problem);
      return;
    }
    ServiceSettings config = service.config();
    if (hello.getClusterId().equals(config.clusterId())) {
      refuse(
          ctx,
          "is a federation member that says it is of cluster '"
              + config.clusterId()
              + "', the cluster this queue server serves; a cluster reaches its own queue"
              + " servers as a node or a client, never through the federation");
      return;
    }
    challenge(ctx, hello.getNodeId(), hello.getClusterId(), hello.getNonce());
  }

  /**
   * The server's half of a challenge-response (node or federation): checks the caller's nonce,
   * draws its own, and proves its secret over both, under the conversation's secret and role.
   */
  private void challenge(
      ChannelHandlerContext ctx, String callerId, String callerCluster, ByteString callerNonce) {
    if (callerNonce.size() != QueueProtocol.NONCE_BYTES) {
      refuse(
          ctx,
          "sent a nonce of "
              + callerNonce.size()
              + " bytes instead of "
              + QueueProtocol.NONCE_BYTES);
      return;
    }
    nodeId = callerId;
    clusterId = callerCluster;
    nodeNonce = callerNonce.toByteArray();
    serverNonce = new byte[QueueProtocol.NONCE_BYTES];
    random.nextBytes(serverNonce);
    state = State.AWAIT_PROOF;
    boolean federation = conversation == Conversation.FEDERATION;
    byte[] proof =
        federation
            ? federationSecret.prove(transcript(QueueProtocol.FEDERATION_SERVER))
            : secret.prove(transcript(QueueProtocol.SERVER));
    ServerChallenge c =
        ServerChallenge.newBuilder()
            .setProtocolVersion(QueueProtocol.VERSION)
            .setServerId(service.config().serverId())
            .setNonce(ByteString.copyFrom(serverNonce))
            .setProof(ByteString.copyFrom(proof))
            .build();
    ctx.writeAndFlush(
        federation
            ? QueueFrame.newBuilder().setFederationChallenge(c).build()
            : QueueFrame.newBuilder().setServerChallenge(c).build());
  }

  /**
   * The federation member's proof: on success it is welcomed as a client whose peer is that member,
   * allowed to forward pings for this cluster only.
   */
  private void onFederationProof(ChannelHandlerContext ctx, NodeProof proof) {
    if (state != State.AWAIT_PROOF || conversation != Conversation.FEDERATION) {
      refuse(ctx, "sent a federation proof without a FederationHello");
      return;
    }
    if (!federationSecret.verifies(
        transcript(QueueProtocol.FEDERATION_MEMBER), proof.getProof().toByteArray())) {
      refuse(
          ctx,
          "(node "
              + nodeId
              + " of cluster "
              + clusterId
              + ") did not prove the federation secret (its cluster and this queue server have"
              + " different federation secrets, or the proof was replayed); give both the same"
              + " federation secret");
      return;
    }
    String description =
        "federation member " + clusterId + "/" + nodeId + " at " + ctx.channel().remoteAddress();
    ChannelPeer peer =
        new ChannelPeer(ctx.channel(), description, false, transport.maxOutboundBytes());
    peer.authenticateFederation(clusterId, nodeId);
    finish(ctx);
    raiseFrameLimit(ctx);
    ctx.writeAndFlush(QueueFrame.newBuilder().setClientWelcome(welcome(false)).build());
    ctx.pipeline()
        .addAfter(
            QueueChannelInitializer.LIMITS,
            QueueChannelInitializer.IDLE,
            new IdleStateHandler(
                transport.clientIdleTimeout().toMillis(), 0, 0, TimeUnit.MILLISECONDS));
    LOG.fine(() -> "authenticated " + description);
    ctx.pipeline()
        .replace(
            this,
            QueueChannelInitializer.MESSAGE_HANDLER,
            new ClientConnectionHandler(service, peer, transport));
  }

  private Welcome welcome(boolean node) {
    ServiceSettings c = service.config();
    Welcome.Builder w =
        Welcome.newBuilder()
            .setProtocolVersion(QueueProtocol.VERSION)
            .setServerId(c.serverId())
            .setClusterId(c.clusterId())
            .setMaxFrameSize(transport.maxFrameSize())
            .setMaxInlineBytes(c.maxInlineBytes())
            .setMaxChunkSize(c.maxChunkSize())
            .setDefaultChunkSize(c.defaultChunkSize())
            .setMinChunkSize(UploadSpec.MIN_CHUNK_SIZE)
            .addAllQueueServers(service.queueServers());
    if (node) {
      w.setLeaseMs((int) service.leaseDuration().toMillis());
    }
    return w.build();
  }

  private byte[] transcript(String prover) {
    return QueueProtocol.transcript(
        prover,
        QueueProtocol.VERSION,
        clusterId,
        nodeId,
        service.config().serverId(),
        nodeNonce,
        serverNonce);
  }

  private void raiseFrameLimit(ChannelHandlerContext ctx) {
    Varint32FrameDecoder decoder = ctx.pipeline().get(Varint32FrameDecoder.class);
    if (decoder != null) {
      decoder.setMaxFrameSize(transport.maxFrameSize());
    }
  }

  private void refuse(ChannelHandlerContext ctx, String reason) {
    String remote = String.valueOf(ctx.channel().remoteAddress());
    if (refused || reasonLogged) {
      return;
    }
    refused = true;
    LIMITED_LOG.log(
        Level.WARNING,
        ConnectionErrors.key(ctx.channel()),
        () -> "refusing connection with " + remote + ": it " + reason,
        null);
    finish(ctx);
    Goodbye goodbye = Goodbye.newBuilder().setReason("refused: this side " + reason).build();
    QueueFrame frame =
        conversation == Conversation.NODE
            ? QueueFrame.newBuilder().setNodeGoodbye(goodbye).build()
            : QueueFrame.newBuilder().setClientGoodbye(goodbye).build();
    if (ctx.channel().isActive()) {
      ctx.writeAndFlush(frame).addListener(ChannelFutureListener.CLOSE);
    } else {
      ctx.close();
    }
  }

  private void onTimeout(ChannelHandlerContext ctx) {
    if (state == State.DONE || !ctx.channel().isOpen()) {
      return;
    }
    refuse(
        ctx,
        "did not complete the handshake within " + transport.handshakeTimeout().toMillis() + " ms");
  }

  private void finish(ChannelHandlerContext ctx) {
    state = State.DONE;
    if (timeoutTask != null) {
      timeoutTask.cancel(false);
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (refused || reasonLogged) {
      return; // one reason per connection
    }
    reasonLogged = true;
    ConnectionErrors.log(
        LIMITED_LOG,
        ctx.channel(),
        "closing connection with " + ctx.channel().remoteAddress() + " during the handshake",
        cause);
    finish(ctx);
    ctx.close();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    if (state != State.DONE) {
      LOG.fine(() -> ctx.channel().remoteAddress() + " closed the connection during the handshake");
      finish(ctx);
    }
    ctx.fireChannelInactive();
  }

  private static String nodeIdProblem(String id) {
    return idProblem("node id", id);
  }

  /**
   * What is wrong with a node or cluster id (1 to 255 characters, no control or space), or null.
   */
  private static String idProblem(String what, String id) {
    if (id.isEmpty()) {
      return "gave no " + what;
    }
    if (id.length() > MAX_ID_LENGTH) {
      return "gave a "
          + what
          + " of "
          + id.length()
          + " characters (at most "
          + MAX_ID_LENGTH
          + ")";
    }
    for (int i = 0; i < id.length(); i++) {
      if (Character.isISOControl(id.charAt(i)) || Character.isWhitespace(id.charAt(i))) {
        return "gave a " + what + " with a control or space character";
      }
    }
    return null;
  }

  private static String versionMismatch(int theirs) {
    return "speaks protocol version "
        + theirs
        + " but this queue server speaks "
        + QueueProtocol.VERSION;
  }

  /** The message a frame carries, by name. */
  static String describe(QueueFrame frame) {
    if (frame.getClientCase() != QueueFrame.ClientCase.CLIENT_NOT_SET) {
      return frame.getClientCase().name();
    }
    if (frame.getNodeCase() != QueueFrame.NodeCase.NODE_NOT_SET) {
      return frame.getNodeCase().name();
    }
    return "an empty frame";
  }
}
