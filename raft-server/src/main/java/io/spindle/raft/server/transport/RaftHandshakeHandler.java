package io.spindle.raft.server.transport;

import com.google.protobuf.ByteString;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.util.concurrent.ScheduledFuture;
import io.spindle.protocol.raft.HandshakeChallenge;
import io.spindle.protocol.raft.HandshakeHello;
import io.spindle.protocol.raft.HandshakeProof;
import io.spindle.protocol.raft.HandshakeRefused;
import io.spindle.protocol.raft.RaftFrame;
import io.spindle.raft.NodeId;
import io.spindle.raft.server.transport.Handshake.Role;
import io.spindle.wire.ClusterSecret;
import io.spindle.wire.ConnectionErrors;
import io.spindle.wire.Varint32FrameDecoder;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Authenticates a new connection (see {@link Handshake}) and then hands it over: it replaces itself
 * in the pipeline with the handler its {@link Listener} returns. Until then every other frame is a
 * protocol violation, and the frame limit stays at {@link
 * Handshake#MAX_UNAUTHENTICATED_FRAME_SIZE}.
 *
 * <p>A refusal (wrong secret, other protocol version, unexpected node, malformed handshake) is
 * logged at WARNING with the remote address and the reason, sent to the remote as {@code
 * HandshakeRefused}, and closes the connection. The secret is never logged.
 *
 * <p>Runs on the channel's event loop; computing an HMAC is the only work it does.
 */
final class RaftHandshakeHandler extends SimpleChannelInboundHandler<RaftFrame> {
  private static final Logger LOG = Logger.getLogger(RaftHandshakeHandler.class.getName());

  /** What happens to the connection after the handshake. Called on the channel's event loop. */
  interface Listener {
    /** Right after authentication; returns the handler that takes the handshake handler's place. */
    ChannelHandler authenticated(Channel channel, Session session);

    /** The handshake failed or the connection closed before it completed; called at most once. */
    void failed(Channel channel, HandshakeException reason);
  }

  private enum State {
    AWAIT_HELLO,
    AWAIT_CHALLENGE,
    AWAIT_PROOF,
    DONE
  }

  private final Role role;
  private final NodeId self;
  private final NodeId expectedPeer;
  private final ClusterSecret secret;
  private final SecureRandom random;
  private final Duration timeout;
  private final int maxFrameSize;
  private final Listener listener;

  private State state;
  private String initiatorId = "";
  private String acceptorId = "";
  private byte[] initiatorNonce;
  private byte[] acceptorNonce;
  private ScheduledFuture<?> timeoutTask;
  private boolean refusalInFlight;

  /**
   * @param role whether this side dialled
   * @param self this node, or null for a client (only as initiator)
   * @param expectedPeer the node an initiator dialled, or null to accept any node (a client)
   * @param timeout how long the handshake may take
   * @param maxFrameSize the frame limit once authenticated
   */
  RaftHandshakeHandler(
      Role role,
      NodeId self,
      NodeId expectedPeer,
      ClusterSecret secret,
      SecureRandom random,
      Duration timeout,
      int maxFrameSize,
      Listener listener) {
    if (role == Role.ACCEPTOR && self == null) {
      throw new IllegalArgumentException("only a node accepts connections");
    }
    this.role = role;
    this.self = self;
    this.expectedPeer = expectedPeer;
    this.secret = secret;
    this.random = random;
    this.timeout = timeout;
    this.maxFrameSize = maxFrameSize;
    this.listener = listener;
    this.state = role == Role.INITIATOR ? State.AWAIT_CHALLENGE : State.AWAIT_HELLO;
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    timeoutTask =
        ctx.executor().schedule(() -> onTimeout(ctx), timeout.toNanos(), TimeUnit.NANOSECONDS);
    if (role == Role.INITIATOR) {
      initiatorId = self == null ? "" : self.value();
      initiatorNonce = nonce();
      ctx.writeAndFlush(
          RaftFrame.newBuilder()
              .setHello(
                  HandshakeHello.newBuilder()
                      .setProtocolVersion(Handshake.PROTOCOL_VERSION)
                      .setNodeId(initiatorId)
                      .setNonce(ByteString.copyFrom(initiatorNonce)))
              .build());
    }
    ctx.fireChannelActive();
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, RaftFrame frame) {
    switch (frame.getBodyCase()) {
      case HELLO -> onHello(ctx, frame.getHello());
      case CHALLENGE -> onChallenge(ctx, frame.getChallenge());
      case PROOF -> onProof(ctx, frame.getProof());
      case REFUSED -> onRefused(ctx, frame.getRefused());
      default -> refuse(ctx, "sent " + frame.getBodyCase() + " before completing the handshake");
    }
  }

  /** Acceptor: the initiator introduces itself and challenges us. */
  private void onHello(ChannelHandlerContext ctx, HandshakeHello hello) {
    if (state != State.AWAIT_HELLO) {
      refuse(ctx, "sent an unexpected HandshakeHello");
      return;
    }
    if (hello.getProtocolVersion() != Handshake.PROTOCOL_VERSION) {
      refuse(ctx, versionMismatch(hello.getProtocolVersion()));
      return;
    }
    if (hello.getNonce().size() != Handshake.NONCE_BYTES) {
      refuse(ctx, "sent a nonce of " + hello.getNonce().size() + " bytes instead of 32");
      return;
    }
    String claimed = hello.getNodeId();
    if (!claimed.isEmpty()) {
      String problem = nodeIdProblem(claimed);
      if (problem != null) {
        refuse(ctx, problem);
        return;
      }
    }
    initiatorId = claimed;
    initiatorNonce = hello.getNonce().toByteArray();
    acceptorId = self.value();
    acceptorNonce = nonce();
    byte[] proof = secret.prove(transcript(Role.ACCEPTOR));
    state = State.AWAIT_PROOF;
    ctx.writeAndFlush(
        RaftFrame.newBuilder()
            .setChallenge(
                HandshakeChallenge.newBuilder()
                    .setProtocolVersion(Handshake.PROTOCOL_VERSION)
                    .setNodeId(acceptorId)
                    .setNonce(ByteString.copyFrom(acceptorNonce))
                    .setProof(ByteString.copyFrom(proof)))
            .build());
  }

  /** Initiator: the acceptor proves the secret over our nonce and challenges us in turn. */
  private void onChallenge(ChannelHandlerContext ctx, HandshakeChallenge challenge) {
    if (state != State.AWAIT_CHALLENGE) {
      refuse(ctx, "sent an unexpected HandshakeChallenge");
      return;
    }
    if (challenge.getProtocolVersion() != Handshake.PROTOCOL_VERSION) {
      refuse(ctx, versionMismatch(challenge.getProtocolVersion()));
      return;
    }
    if (challenge.getNonce().size() != Handshake.NONCE_BYTES) {
      refuse(ctx, "sent a nonce of " + challenge.getNonce().size() + " bytes instead of 32");
      return;
    }
    String answered = challenge.getNodeId();
    String problem = answered.isEmpty() ? "gave no node id" : nodeIdProblem(answered);
    if (problem != null) {
      refuse(ctx, problem);
      return;
    }
    if (expectedPeer != null && !expectedPeer.value().equals(answered)) {
      refuse(ctx, "is node " + answered + ", not " + expectedPeer + " as configured");
      return;
    }
    acceptorId = answered;
    acceptorNonce = challenge.getNonce().toByteArray();
    if (!secret.verifies(transcript(Role.ACCEPTOR), challenge.getProof().toByteArray())) {
      refuse(ctx, "did not prove the cluster secret (the two sides have different secrets)");
      return;
    }
    ctx.writeAndFlush(
        RaftFrame.newBuilder()
            .setProof(
                HandshakeProof.newBuilder()
                    .setProof(ByteString.copyFrom(secret.prove(transcript(Role.INITIATOR)))))
            .build());
    authenticated(ctx, NodeId.of(acceptorId));
  }

  /** Acceptor: the initiator proves the secret over our nonce. */
  private void onProof(ChannelHandlerContext ctx, HandshakeProof proof) {
    if (state != State.AWAIT_PROOF) {
      refuse(ctx, "sent an unexpected HandshakeProof");
      return;
    }
    if (!secret.verifies(transcript(Role.INITIATOR), proof.getProof().toByteArray())) {
      refuse(
          ctx,
          "did not prove the cluster secret (the two sides have different secrets,"
              + " or the proof was replayed)");
      return;
    }
    authenticated(ctx, initiatorId.isEmpty() ? null : NodeId.of(initiatorId));
  }

  private void onRefused(ChannelHandlerContext ctx, HandshakeRefused refused) {
    String reason = printable(refused.getReason());
    LOG.warning(
        () -> ctx.channel().remoteAddress() + " refused the handshake of this side: " + reason);
    fail(
        ctx,
        new HandshakeException(
            ctx.channel().remoteAddress() + " refused the handshake: " + reason, true));
  }

  private void authenticated(ChannelHandlerContext ctx, NodeId remote) {
    state = State.DONE;
    timeoutTask.cancel(false);
    Varint32FrameDecoder decoder = ctx.pipeline().get(Varint32FrameDecoder.class);
    if (decoder != null) {
      decoder.setMaxFrameSize(maxFrameSize);
    }
    Session session = new Session(remote, role == Role.INITIATOR, ctx.channel().remoteAddress());
    LOG.fine(() -> "authenticated " + session);
    ChannelHandler next = listener.authenticated(ctx.channel(), session);
    ctx.pipeline().replace(this, RaftChannelInitializer.MESSAGE_HANDLER, next);
  }

  /** Refuses the remote: logs why, tells the remote, closes. */
  private void refuse(ChannelHandlerContext ctx, String reason) {
    String remote = String.valueOf(ctx.channel().remoteAddress());
    ConnectionErrors.warn(
        LOG, ctx.channel(), () -> "refusing connection with " + remote + ": it " + reason);
    if (ctx.channel().isActive()) {
      refusalInFlight = true; // closes once the refusal is flushed
      ctx.writeAndFlush(
              RaftFrame.newBuilder()
                  .setRefused(HandshakeRefused.newBuilder().setReason(reason))
                  .build())
          .addListener(ChannelFutureListener.CLOSE);
    }
    fail(ctx, new HandshakeException("refused " + remote + ": it " + reason, true));
  }

  private void onTimeout(ChannelHandlerContext ctx) {
    if (state == State.DONE || !ctx.channel().isOpen()) {
      return;
    }
    ConnectionErrors.warn(
        LOG,
        ctx.channel(),
        () ->
            "closing connection with "
                + ctx.channel().remoteAddress()
                + ": the handshake did not complete within "
                + timeout.toMillis()
                + " ms");
    fail(
        ctx,
        new HandshakeException(
            "the handshake with "
                + ctx.channel().remoteAddress()
                + " did not complete within "
                + timeout.toMillis()
                + " ms",
            false));
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (state == State.DONE) {
      ctx.fireExceptionCaught(cause);
      return;
    }
    String reason = ConnectionErrors.describe(cause);
    ConnectionErrors.log(
        LOG, ctx.channel(), "closing connection with " + ctx.channel().remoteAddress(), cause);
    fail(
        ctx,
        new HandshakeException(
            "connection with "
                + ctx.channel().remoteAddress()
                + " failed during the handshake: "
                + reason,
            false));
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    if (state != State.DONE) {
      Level level = role == Role.INITIATOR ? Level.INFO : Level.FINE;
      LOG.log(
          level,
          () -> ctx.channel().remoteAddress() + " closed the connection during the handshake");
      fail(
          ctx,
          new HandshakeException(
              ctx.channel().remoteAddress() + " closed the connection during the handshake",
              false));
    }
    ctx.fireChannelInactive();
  }

  /** Reports the failure once and closes the connection. */
  private void fail(ChannelHandlerContext ctx, HandshakeException reason) {
    if (state == State.DONE) {
      return;
    }
    state = State.DONE;
    if (timeoutTask != null) {
      timeoutTask.cancel(false);
    }
    if (!refusalInFlight) {
      ctx.close();
    }
    listener.failed(ctx.channel(), reason);
  }

  private byte[] transcript(Role prover) {
    return Handshake.transcript(
        prover, Handshake.PROTOCOL_VERSION, initiatorId, acceptorId, initiatorNonce, acceptorNonce);
  }

  private byte[] nonce() {
    byte[] nonce = new byte[Handshake.NONCE_BYTES];
    random.nextBytes(nonce);
    return nonce;
  }

  private String nodeIdProblem(String claimed) {
    NodeId id;
    try {
      id = NodeId.of(claimed);
    } catch (IllegalArgumentException e) {
      return "gave an invalid node id: " + e.getMessage();
    }
    if (id.equals(self)) {
      return "claims to be this node ("
          + self
          + "): two nodes share an id, or a node dialled itself";
    }
    return null;
  }

  private static String versionMismatch(int theirs) {
    return "speaks protocol version "
        + theirs
        + " but this side speaks "
        + Handshake.PROTOCOL_VERSION;
  }

  /** A remote-supplied reason, cut short and without control characters, safe for a log line. */
  private static String printable(String text) {
    String cut = text.length() > 300 ? text.substring(0, 300) + "..." : text;
    return cut.replaceAll("\\p{Cntrl}", "?");
  }
}
