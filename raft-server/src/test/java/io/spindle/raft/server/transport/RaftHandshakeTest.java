package io.spindle.raft.server.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.spindle.protocol.raft.HandshakeHello;
import io.spindle.protocol.raft.HandshakeProof;
import io.spindle.protocol.raft.RaftFrame;
import io.spindle.raft.NodeId;
import io.spindle.raft.message.TimeoutNow;
import io.spindle.raft.server.transport.Handshake.Role;
import io.spindle.testkit.LogCapture;
import io.spindle.wire.ClusterSecret;
import io.spindle.wire.Varint32FrameDecoder;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The mutual challenge/response, between two {@link EmbeddedChannel}s or a scripted attacker. */
class RaftHandshakeTest {
  private static final NodeId N1 = NodeId.of("n1");
  private static final NodeId N2 = NodeId.of("n2");
  private static final String SECRET_TEXT = "correct horse battery staple";
  private static final ClusterSecret SECRET =
      new ClusterSecret(SECRET_TEXT.getBytes(StandardCharsets.UTF_8));
  private static final ClusterSecret WRONG_SECRET =
      new ClusterSecret("not the cluster secret at all".getBytes(StandardCharsets.UTF_8));
  private static final int MAX_FRAME_SIZE = 1 << 20;
  private static final Duration TIMEOUT = Duration.ofSeconds(3);

  private final SecureRandom random = new SecureRandom();
  private LogCapture log;

  @BeforeEach
  void captureLog() {
    log = LogCapture.start("io.spindle.raft.server.transport");
  }

  @AfterEach
  void stopCapture() {
    log.close();
    assertFalse(log.anyContains(SECRET_TEXT), "the secret must never be logged");
  }

  /** Remembers how the handshake ended. */
  private static final class Outcome implements RaftHandshakeHandler.Listener {
    Session session;
    HandshakeException failure;

    @Override
    public ChannelHandler authenticated(Channel channel, Session session) {
      this.session = session;
      return new ChannelInboundHandlerAdapter();
    }

    @Override
    public void failed(Channel channel, HandshakeException reason) {
      assertNull(failure, "failed() is called at most once");
      this.failure = reason;
    }
  }

  private EmbeddedChannel endpoint(
      Role role, NodeId self, NodeId expectedPeer, ClusterSecret secret, Outcome outcome) {
    return new EmbeddedChannel(
        new RaftChannelInitializer(
            MAX_FRAME_SIZE,
            null,
            ch ->
                new RaftHandshakeHandler(
                    role, self, expectedPeer, secret, random, TIMEOUT, MAX_FRAME_SIZE, outcome)));
  }

  /** Moves bytes both ways until neither side has anything more to say. */
  private static void pump(EmbeddedChannel a, EmbeddedChannel b) {
    boolean moved;
    do {
      moved = transfer(a, b) | transfer(b, a);
    } while (moved);
  }

  private static boolean transfer(EmbeddedChannel from, EmbeddedChannel to) {
    boolean moved = false;
    ByteBuf buf;
    while ((buf = from.readOutbound()) != null) {
      moved = true;
      if (to.isOpen()) {
        to.writeInbound(buf);
      } else {
        buf.release();
      }
    }
    return moved;
  }

  /** The frames {@code channel} wrote, decoded. */
  private static List<RaftFrame> framesWritten(EmbeddedChannel channel) {
    EmbeddedChannel decoder = new EmbeddedChannel();
    RaftChannelInitializer.addCodec(decoder.pipeline(), MAX_FRAME_SIZE);
    decoder.writeInbound(Unpooled.wrappedBuffer(RaftCodecTest.drainOutbound(channel)));
    List<RaftFrame> frames = new ArrayList<>();
    RaftFrame frame;
    while ((frame = decoder.readInbound()) != null) {
      frames.add(frame);
    }
    return frames;
  }

  private static void send(EmbeddedChannel channel, RaftFrame frame) {
    channel.writeInbound(Unpooled.wrappedBuffer(RaftCodecTest.encode(frame)));
  }

  @Test
  void theRightSecretAuthenticatesBothSides() {
    Outcome dialler = new Outcome();
    Outcome acceptor = new Outcome();
    EmbeddedChannel initiator = endpoint(Role.INITIATOR, N2, N1, SECRET, dialler);
    EmbeddedChannel accepting = endpoint(Role.ACCEPTOR, N1, null, SECRET, acceptor);
    pump(initiator, accepting);

    assertEquals(new Session(N1, true, initiator.remoteAddress()), dialler.session);
    assertEquals(new Session(N2, false, accepting.remoteAddress()), acceptor.session);
    for (EmbeddedChannel side : List.of(initiator, accepting)) {
      assertTrue(side.isOpen());
      assertNull(side.pipeline().get(RaftChannelInitializer.HANDSHAKE), "handed over");
      assertNotNull(side.pipeline().get(RaftChannelInitializer.MESSAGE_HANDLER));
      assertEquals(
          MAX_FRAME_SIZE,
          side.pipeline().get(Varint32FrameDecoder.class).maxFrameSize(),
          "the frame limit is raised once authenticated");
    }
  }

  @Test
  void aClientAuthenticatesWithoutANodeId() {
    Outcome client = new Outcome();
    Outcome node = new Outcome();
    EmbeddedChannel initiator = endpoint(Role.INITIATOR, null, null, SECRET, client);
    EmbeddedChannel accepting = endpoint(Role.ACCEPTOR, N1, null, SECRET, node);
    pump(initiator, accepting);
    assertEquals(N1, client.session.remoteNode());
    assertTrue(node.session.isClient());
  }

  @Test
  void aWrongSecretIsRefusedAndBothSidesClose() {
    Outcome dialler = new Outcome();
    Outcome acceptor = new Outcome();
    EmbeddedChannel initiator = endpoint(Role.INITIATOR, N2, N1, WRONG_SECRET, dialler);
    EmbeddedChannel accepting = endpoint(Role.ACCEPTOR, N1, null, SECRET, acceptor);
    pump(initiator, accepting);

    assertNull(dialler.session);
    assertNull(acceptor.session);
    assertFalse(initiator.isOpen());
    assertFalse(accepting.isOpen());
    assertTrue(dialler.failure.refused());
    assertTrue(acceptor.failure.refused());
    assertTrue(
        log.contains(
            Level.WARNING, "refusing connection with", "did not prove the cluster secret"));
    assertTrue(log.contains(Level.WARNING, "refused the handshake"));
  }

  @Test
  void anInitiatorWithTheWrongSecretIsRefusedByTheAcceptor() {
    // An attacker who ignores the acceptor's proof and answers with one made without the secret.
    Outcome acceptor = new Outcome();
    EmbeddedChannel accepting = endpoint(Role.ACCEPTOR, N1, null, SECRET, acceptor);
    byte[] nonce = new byte[Handshake.NONCE_BYTES];
    send(accepting, hello(Handshake.PROTOCOL_VERSION, "n2", nonce));
    RaftFrame challenge = framesWritten(accepting).get(0);
    byte[] forged =
        WRONG_SECRET.prove(
            Handshake.transcript(
                Role.INITIATOR,
                Handshake.PROTOCOL_VERSION,
                "n2",
                "n1",
                nonce,
                challenge.getChallenge().getNonce().toByteArray()));
    send(accepting, proof(forged));

    assertNull(acceptor.session);
    assertFalse(accepting.isOpen());
    assertTrue(acceptor.failure.refused());
    assertTrue(log.contains(Level.WARNING, "refusing connection with embedded", "cluster secret"));
  }

  @Test
  void aReplayedProofDoesNotAuthenticate() {
    // Record a genuine handshake of n2 with n1...
    Outcome first = new Outcome();
    EmbeddedChannel genuine = endpoint(Role.INITIATOR, N2, N1, SECRET, new Outcome());
    EmbeddedChannel firstAcceptor = endpoint(Role.ACCEPTOR, N1, null, SECRET, first);
    List<RaftFrame> recorded = new ArrayList<>();
    recorded.addAll(framesWritten(genuine)); // hello
    send(firstAcceptor, recorded.get(0));
    List<RaftFrame> challenge = framesWritten(firstAcceptor);
    send(genuine, challenge.get(0));
    recorded.addAll(framesWritten(genuine)); // proof
    send(firstAcceptor, recorded.get(1));
    assertNotNull(first.session, "the recorded handshake itself succeeded");

    // ... and replay n2's frames to n1 on a new connection: its new challenge defeats the replay.
    Outcome second = new Outcome();
    EmbeddedChannel secondAcceptor = endpoint(Role.ACCEPTOR, N1, null, SECRET, second);
    send(secondAcceptor, recorded.get(0));
    send(secondAcceptor, recorded.get(1));
    assertNull(second.session);
    assertFalse(secondAcceptor.isOpen());
    assertTrue(second.failure.refused());
    assertTrue(second.failure.getMessage().contains("replayed"));
  }

  @Test
  void aReplayedChallengeDoesNotAuthenticateTheAcceptor() {
    // Record n1's challenge to one connection, then play n1 to another dialler with it.
    EmbeddedChannel genuine = endpoint(Role.INITIATOR, N2, N1, SECRET, new Outcome());
    EmbeddedChannel acceptor = endpoint(Role.ACCEPTOR, N1, null, SECRET, new Outcome());
    send(acceptor, framesWritten(genuine).get(0));
    RaftFrame recordedChallenge = framesWritten(acceptor).get(0);

    Outcome victim = new Outcome();
    EmbeddedChannel dialler = endpoint(Role.INITIATOR, N2, N1, SECRET, victim);
    framesWritten(dialler); // its hello, with a fresh nonce
    send(dialler, recordedChallenge);
    assertNull(victim.session);
    assertFalse(dialler.isOpen());
    assertTrue(victim.failure.refused());
  }

  @Test
  void anotherProtocolVersionIsRefused() {
    Outcome acceptor = new Outcome();
    EmbeddedChannel accepting = endpoint(Role.ACCEPTOR, N1, null, SECRET, acceptor);
    send(accepting, hello(Handshake.PROTOCOL_VERSION + 1, "n2", new byte[32]));
    assertFalse(accepting.isOpen());
    RaftFrame refusal = framesWritten(accepting).get(0);
    assertEquals(
        "speaks protocol version 2 but this side speaks 1", refusal.getRefused().getReason());
  }

  @Test
  void theDialledNodeMustBeTheOneAnswering() {
    Outcome dialler = new Outcome();
    EmbeddedChannel initiator = endpoint(Role.INITIATOR, N2, NodeId.of("n3"), SECRET, dialler);
    EmbeddedChannel accepting = endpoint(Role.ACCEPTOR, N1, null, SECRET, new Outcome());
    pump(initiator, accepting);
    assertNull(dialler.session);
    assertTrue(dialler.failure.getMessage().contains("is node n1, not n3 as configured"));
  }

  @Test
  void aPeerClaimingTheAcceptorsOwnIdIsRefused() {
    Outcome acceptor = new Outcome();
    EmbeddedChannel initiator = endpoint(Role.INITIATOR, N1, null, SECRET, new Outcome());
    EmbeddedChannel accepting = endpoint(Role.ACCEPTOR, N1, null, SECRET, acceptor);
    pump(initiator, accepting);
    assertNull(acceptor.session);
    assertTrue(acceptor.failure.getMessage().contains("claims to be this node (n1)"));
  }

  @Test
  void aRaftMessageBeforeTheHandshakeIsRefused() {
    Outcome acceptor = new Outcome();
    EmbeddedChannel accepting = endpoint(Role.ACCEPTOR, N1, null, SECRET, acceptor);
    send(accepting, RaftMessageMapper.toFrame(new TimeoutNow(N2, N1, 1)));
    assertFalse(accepting.isOpen());
    assertNull(acceptor.session);
    assertTrue(log.contains(Level.WARNING, "sent TIMEOUT_NOW before completing the handshake"));
  }

  @Test
  void aLargeFrameBeforeTheHandshakeIsRejectedAtItsLengthPrefix() {
    Outcome acceptor = new Outcome();
    EmbeddedChannel accepting = endpoint(Role.ACCEPTOR, N1, null, SECRET, acceptor);
    accepting.writeInbound(Unpooled.wrappedBuffer(new byte[] {(byte) 0x81, 0x20})); // 4097
    assertFalse(accepting.isOpen());
    assertFalse(acceptor.failure.refused());
    assertTrue(log.contains(Level.WARNING, "exceeds the maximum of 4096 bytes"));
  }

  @Test
  void aSilentPeerTimesOut() {
    Outcome acceptor = new Outcome();
    EmbeddedChannel accepting = endpoint(Role.ACCEPTOR, N1, null, SECRET, acceptor);
    accepting.advanceTimeBy(TIMEOUT.toMillis() + 1, TimeUnit.MILLISECONDS);
    accepting.runScheduledPendingTasks();
    assertFalse(accepting.isOpen());
    assertTrue(acceptor.failure.getMessage().contains("did not complete within 3000 ms"));
  }

  private static RaftFrame hello(int version, String nodeId, byte[] nonce) {
    return RaftFrame.newBuilder()
        .setHello(
            HandshakeHello.newBuilder()
                .setProtocolVersion(version)
                .setNodeId(nodeId)
                .setNonce(ByteString.copyFrom(nonce)))
        .build();
  }

  private static RaftFrame proof(byte[] proof) {
    return RaftFrame.newBuilder()
        .setProof(HandshakeProof.newBuilder().setProof(ByteString.copyFrom(proof)))
        .build();
  }
}
