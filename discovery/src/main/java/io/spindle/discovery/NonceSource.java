package io.spindle.discovery;

import java.security.SecureRandom;

/**
 * Where a sender's nonces come from. Production uses {@link #secureRandom()}; tests inject a
 * deterministic source. Called by whichever thread signs; an implementation must be thread-safe.
 */
@FunctionalInterface
public interface NonceSource {
  /** Fills {@code nonce} with fresh bytes, never repeating them for this sender. */
  void fill(byte[] nonce);

  /** Nonces from a {@link SecureRandom}. */
  static NonceSource secureRandom() {
    SecureRandom random = new SecureRandom();
    return random::nextBytes;
  }
}
