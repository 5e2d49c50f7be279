package io.spindle.protocol.federation;

import io.spindle.protocol.queue.QueueProtocol;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * The secret every cluster of a federation holds: it signs routes and proves a forwarding leader to
 * another cluster's queue server. Never printed: {@link #toString()} is redacted.
 *
 * <p>Routes are signed under a key derived from it, {@code HMAC-SHA256(secret,
 * "spindle-route-key-v1")}, so that a route signature can never serve as a handshake proof, whose
 * transcripts are signed under the secret itself with their own domain and role labels.
 */
public final class FederationSecret {
  /** The shortest secret accepted. */
  public static final int MIN_BYTES = 16;

  private static final byte[] ROUTE_KEY_LABEL =
      "spindle-route-key-v1".getBytes(StandardCharsets.UTF_8);

  private final byte[] secret;
  private final byte[] routeKey;

  /**
   * @throws IllegalArgumentException if the secret is shorter than {@value #MIN_BYTES} bytes
   */
  public FederationSecret(byte[] secret) {
    if (secret == null || secret.length < MIN_BYTES) {
      throw new IllegalArgumentException(
          "the federation secret has "
              + (secret == null ? 0 : secret.length)
              + " bytes, fewer than "
              + MIN_BYTES
              + ": give every cluster of the federation the same long random secret (bin/spindle"
              + " up makes one in run/federation-secret)");
    }
    this.secret = secret.clone();
    this.routeKey = QueueProtocol.prove(this.secret, ROUTE_KEY_LABEL);
  }

  /** The signature of a serialized route. */
  public byte[] signRoute(byte[] route) {
    return QueueProtocol.prove(routeKey, route);
  }

  /** Whether {@code signature} is {@link #signRoute}'s, compared in constant time. */
  public boolean verifiesRoute(byte[] route, byte[] signature) {
    return MessageDigest.isEqual(signRoute(route), signature);
  }

  /** The proof over a handshake transcript (QueueProtocol.transcript). */
  public byte[] prove(byte[] transcript) {
    return QueueProtocol.prove(secret, transcript);
  }

  /** Whether {@code proof} is {@link #prove}'s answer over {@code transcript}. */
  public boolean verifies(byte[] transcript, byte[] proof) {
    return QueueProtocol.verify(secret, transcript, proof);
  }

  @Override
  public String toString() {
    return "FederationSecret[redacted]";
  }
}
