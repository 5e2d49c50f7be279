package io.spindle.queue.transport;

import io.spindle.protocol.queue.QueueProtocol;

/**
 * The secret every node proves it holds. Never printed: {@link #toString()} is redacted, and no log
 * line or exception message contains it.
 */
public final class ClusterSecret {
  /** Below this, a secret is guessable; still accepted, with a warning. */
  public static final int RECOMMENDED_MIN_BYTES = 16;

  private final byte[] secret;

  public ClusterSecret(byte[] secret) {
    if (secret == null || secret.length == 0) {
      throw new IllegalArgumentException(
          "the cluster secret is empty: give the queue server the secret its nodes share");
    }
    this.secret = secret.clone();
  }

  public boolean isShorterThanRecommended() {
    return secret.length < RECOMMENDED_MIN_BYTES;
  }

  byte[] prove(byte[] transcript) {
    return QueueProtocol.prove(secret, transcript);
  }

  boolean verifies(byte[] transcript, byte[] proof) {
    return QueueProtocol.verify(secret, transcript, proof);
  }

  @Override
  public String toString() {
    return "ClusterSecret[redacted]";
  }
}
