package io.spindle.wire;

import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The secret every node (and the queue server) of a cluster shares and proves it holds, on the Raft
 * port and the queue port. It signs handshake transcripts with HMAC-SHA256 and is never printed:
 * {@link #toString()} is redacted, and no log line or exception message contains it.
 */
public final class ClusterSecret {
  private static final String HMAC = "HmacSHA256";

  /** Below this, a secret is guessable; still accepted, with a warning from the transport. */
  public static final int RECOMMENDED_MIN_BYTES = 16;

  private final SecretKeySpec key;
  private final int length;

  public ClusterSecret(byte[] secret) {
    if (secret == null || secret.length == 0) {
      throw new IllegalArgumentException(
          "the cluster secret is empty: configure the same secret on every node and queue server");
    }
    this.key = new SecretKeySpec(secret.clone(), HMAC);
    this.length = secret.length;
  }

  public boolean isShorterThanRecommended() {
    return length < RECOMMENDED_MIN_BYTES;
  }

  /** HMAC-SHA256 of {@code transcript} under the secret. */
  public byte[] prove(byte[] transcript) {
    try {
      Mac mac = Mac.getInstance(HMAC);
      mac.init(key);
      return mac.doFinal(transcript);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("this JVM cannot compute " + HMAC, e);
    }
  }

  /** Whether {@code proof} signs {@code transcript}, compared in constant time. */
  public boolean verifies(byte[] transcript, byte[] proof) {
    return MessageDigest.isEqual(prove(transcript), proof);
  }

  @Override
  public String toString() {
    return "ClusterSecret[redacted]";
  }
}
