package io.spindle.discovery;

import java.time.Duration;
import java.util.function.LongUnaryOperator;

/**
 * Exponential back-off with jitter between announcements: the n-th wait is a random time between
 * half and all of {@code initial * 2^n}, capped at {@code max}. The jitter keeps nodes started
 * together (a whole local cluster) from announcing in lockstep. Not thread-safe.
 */
final class Backoff {
  private final long initialNanos;
  private final long maxNanos;
  private final LongUnaryOperator random;
  private int waits;

  /**
   * @param random returns a uniformly random long in {@code [0, bound)} for a positive bound
   */
  Backoff(Duration initial, Duration max, LongUnaryOperator random) {
    this.initialNanos = initial.toNanos();
    this.maxNanos = max.toNanos();
    this.random = random;
  }

  /** The wait before the next announcement; each call counts one more. */
  Duration next() {
    long ceiling = initialNanos;
    for (int i = 0; i < waits && ceiling < maxNanos; i++) {
      ceiling *= 2;
    }
    ceiling = Math.min(ceiling, maxNanos);
    waits++;
    long half = ceiling / 2;
    return Duration.ofNanos(half + random.applyAsLong(ceiling - half + 1));
  }
}
