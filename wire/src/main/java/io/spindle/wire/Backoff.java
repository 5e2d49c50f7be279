package io.spindle.wire;

import java.time.Duration;
import java.util.function.LongUnaryOperator;

/**
 * Exponential back-off with jitter for redials and announcements: the n-th consecutive failure
 * waits a random time between half and all of {@code min * 2^n}, capped at {@code max}. The jitter
 * keeps nodes that lost a peer (or started) at the same moment from redialling (or announcing) in
 * lockstep. Not thread-safe: owned by one connection's event loop, or one announcing thread.
 */
public final class Backoff {
  private final long minNanos;
  private final long maxNanos;
  private final LongUnaryOperator random;
  private int failures;

  /**
   * @param random returns a uniformly random long in {@code [0, bound)} for a positive bound
   */
  public Backoff(Duration min, Duration max, LongUnaryOperator random) {
    this.minNanos = min.toNanos();
    this.maxNanos = max.toNanos();
    this.random = random;
  }

  /** The delay before the next attempt; each call counts one more failure. */
  public Duration next() {
    long ceiling = minNanos;
    for (int i = 0; i < failures && ceiling < maxNanos; i++) {
      ceiling *= 2;
    }
    ceiling = Math.min(ceiling, maxNanos);
    failures++;
    long half = ceiling / 2;
    return Duration.ofNanos(half + random.applyAsLong(ceiling - half + 1));
  }

  /** A connection succeeded: the next failure starts over at {@code min}. */
  public void reset() {
    failures = 0;
  }

  public int failures() {
    return failures;
  }
}
