package io.spindle.raft.server.transport;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The constants and the transcript of the mutual challenge/response handshake.
 *
 * <pre>
 *   initiator                                   acceptor
 *   HandshakeHello(version, id_i, nonce_i)  --&gt;
 *                                           &lt;-- HandshakeChallenge(version, id_a, nonce_a,
 *                                                                  HMAC(acceptor transcript))
 *   HandshakeProof(HMAC(initiator transcript)) --&gt;
 * </pre>
 *
 * A transcript binds the prover's role, the protocol version, both node ids (the initiator's is
 * empty for a client) and both nonces. Each side checks a proof over the nonce it drew itself for
 * this connection, so a recorded proof authenticates nothing later; the role label keeps the
 * acceptor's proof from serving as an initiator's proof (a reflection attack).
 *
 * <p>The acceptor proves first, so anyone who can connect obtains an HMAC over a nonce of their
 * choosing and can test guesses of the secret offline: the secret must be long and random (the
 * transport warns below {@link io.spindle.wire.ClusterSecret#RECOMMENDED_MIN_BYTES} bytes).
 */
final class Handshake {
  /** Bumped on any incompatible change to raft.proto or to this handshake. */
  static final int PROTOCOL_VERSION = 1;

  static final int NONCE_BYTES = 32;

  /**
   * The frame limit until the remote is authenticated: handshake frames are a few hundred bytes.
   */
  static final int MAX_UNAUTHENTICATED_FRAME_SIZE = 4096;

  private static final byte[] DOMAIN = "spindle-raft-handshake".getBytes(StandardCharsets.UTF_8);

  enum Role {
    INITIATOR,
    ACCEPTOR
  }

  private Handshake() {}

  /** What {@code prover} signs to prove it holds the cluster secret. */
  static byte[] transcript(
      Role prover,
      int protocolVersion,
      String initiatorId,
      String acceptorId,
      byte[] initiatorNonce,
      byte[] acceptorNonce) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(160);
    putBytes(out, DOMAIN);
    putBytes(out, prover.name().getBytes(StandardCharsets.UTF_8));
    putBytes(out, ByteBuffer.allocate(4).putInt(protocolVersion).array());
    putBytes(out, initiatorId.getBytes(StandardCharsets.UTF_8));
    putBytes(out, acceptorId.getBytes(StandardCharsets.UTF_8));
    putBytes(out, initiatorNonce);
    putBytes(out, acceptorNonce);
    return out.toByteArray();
  }

  private static void putBytes(ByteArrayOutputStream out, byte[] bytes) {
    out.writeBytes(ByteBuffer.allocate(4).putInt(bytes.length).array());
    out.writeBytes(bytes);
  }
}
