package io.spindle.discovery;

import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Set;

/**
 * The nonces accepted within the skew window, to refuse a datagram seen before. A datagram stamped
 * {@code t} is accepted until {@code t + window}, so its nonce is remembered until then. Bounded:
 * when full of unexpired nonces it refuses new datagrams rather than forget one and let its replay
 * in. Only authentic datagrams reach it, so only a holder of the secret can fill it. Thread-safe.
 */
final class ReplayCache {
  private record Entry(String nonce, long expiresAtMillis) {}

  private final int capacity;
  private final Set<String> nonces = new HashSet<>();
  // Expiry order is arrival order but for timestamps within the window of each other; the small
  // disorder only delays an expiry, never advances one, because expire() stops at the first entry
  // still valid.
  private final ArrayDeque<Entry> byArrival = new ArrayDeque<>();

  ReplayCache(int capacity) {
    if (capacity < 1) {
      throw new IllegalArgumentException("the replay cache capacity must be positive: " + capacity);
    }
    this.capacity = capacity;
  }

  enum Outcome {
    FRESH,
    REPLAYED,
    FULL
  }

  /** Remembers {@code nonce} until {@code expiresAtMillis}, unless it is already remembered. */
  synchronized Outcome admit(byte[] nonce, long expiresAtMillis, long nowMillis) {
    expire(nowMillis);
    String key = HexFormat.of().formatHex(nonce);
    if (nonces.contains(key)) {
      return Outcome.REPLAYED;
    }
    if (nonces.size() >= capacity) {
      return Outcome.FULL;
    }
    nonces.add(key);
    byArrival.addLast(new Entry(key, expiresAtMillis));
    return Outcome.FRESH;
  }

  synchronized int size() {
    return nonces.size();
  }

  private void expire(long nowMillis) {
    while (!byArrival.isEmpty() && byArrival.peekFirst().expiresAtMillis() < nowMillis) {
      nonces.remove(byArrival.pollFirst().nonce());
    }
  }
}
