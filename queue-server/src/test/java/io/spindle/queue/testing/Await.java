package io.spindle.queue.testing;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Waits for a condition with a deadline, instead of sleeping for a guessed time. */
public final class Await {
  private static final long POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(2);

  private Await() {}

  /** Polls {@code condition} until it holds; fails the test, saying what, after {@code timeout}. */
  public static void until(Duration timeout, BooleanSupplier condition, Supplier<String> what) {
    Instant deadline = Instant.now().plus(timeout);
    while (!condition.getAsBoolean()) {
      if (Instant.now().isAfter(deadline)) {
        throw new AssertionError("timed out waiting until " + what.get());
      }
      LockSupport.parkNanos(POLL_NANOS);
    }
  }

  public static void until(BooleanSupplier condition, Supplier<String> what) {
    until(Duration.ofSeconds(10), condition, what);
  }
}
