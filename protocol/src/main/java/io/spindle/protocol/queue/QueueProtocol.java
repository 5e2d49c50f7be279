package io.spindle.protocol.queue;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The constants of {@code queue.proto} and the node handshake's transcript, shared by the queue
 * server and the nodes so that both sides sign exactly the same bytes.
 */
public final class QueueProtocol {
  /** Bumped on any incompatible change to queue.proto or to the handshake. */
  public static final int VERSION = 1;

  /** The queue server's default TCP port. */
  public static final int DEFAULT_PORT = 4000;

  /** The frame limit until the handshake completes: hello frames are a few hundred bytes. */
  public static final int MAX_HANDSHAKE_FRAME_SIZE = 4096;

  /** The frame limit after the handshake, unless the server's Welcome says otherwise. */
  public static final int DEFAULT_MAX_FRAME_SIZE = 16 * 1024 * 1024;

  public static final int NONCE_BYTES = 32;

  /** The most frequent words a count may ask for (Count.top_words). */
  public static final int MAX_TOP_WORDS = 1000;

  /** Role labels of the transcript. */
  public static final String SERVER = "SERVER";

  public static final String NODE = "NODE";

  /** Role labels of the federation conversation's transcript (under the federation secret). */
  public static final String FEDERATION_SERVER = "FEDERATION_SERVER";

  public static final String FEDERATION_MEMBER = "FEDERATION_MEMBER";

  private static final byte[] DOMAIN = "spindle-queue-handshake".getBytes(StandardCharsets.UTF_8);

  private QueueProtocol() {}

  /**
   * What {@code prover} ({@link #SERVER} or {@link #NODE}) signs to prove it holds the cluster
   * secret: each item as a 4-byte big-endian length and its bytes, as queue.proto describes.
   */
  public static byte[] transcript(
      String prover,
      int protocolVersion,
      String clusterId,
      String nodeId,
      String serverId,
      byte[] nodeNonce,
      byte[] serverNonce) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(192);
    put(out, DOMAIN);
    put(out, prover.getBytes(StandardCharsets.UTF_8));
    put(out, ByteBuffer.allocate(4).putInt(protocolVersion).array());
    put(out, clusterId.getBytes(StandardCharsets.UTF_8));
    put(out, nodeId.getBytes(StandardCharsets.UTF_8));
    put(out, serverId.getBytes(StandardCharsets.UTF_8));
    put(out, nodeNonce);
    put(out, serverNonce);
    return out.toByteArray();
  }

  /** HMAC-SHA256 of {@code transcript} under {@code secret}. */
  public static byte[] prove(byte[] secret, byte[] transcript) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret, "HmacSHA256"));
      return mac.doFinal(transcript);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("this JVM cannot compute HmacSHA256", e);
    }
  }

  /** Whether {@code proof} is {@link #prove}'s answer, compared in constant time. */
  public static boolean verify(byte[] secret, byte[] transcript, byte[] proof) {
    return MessageDigest.isEqual(prove(secret, transcript), proof);
  }

  private static void put(ByteArrayOutputStream out, byte[] bytes) {
    out.writeBytes(ByteBuffer.allocate(4).putInt(bytes.length).array());
    out.writeBytes(bytes);
  }
}
