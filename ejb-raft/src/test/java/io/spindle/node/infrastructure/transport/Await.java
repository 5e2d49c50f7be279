package io.spindle.node.infrastructure.transport;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Waits for a condition with a deadline, instead of sleeping for a guessed time. */
final class Await {
  private static final long POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(2);

  private Await() {}

  /** Polls {@code condition} until it holds; fails the test, saying what, at the deadline. */
  static void until(Instant deadline, BooleanSupplier condition, Supplier<String> what) {
    while (!condition.getAsBoolean()) {
      if (Instant.now().isAfter(deadline)) {
        throw new AssertionError("timed out waiting until " + what.get());
      }
      LockSupport.parkNanos(POLL_NANOS);
    }
  }

  static void until(Instant deadline, BooleanSupplier condition) {
    until(deadline, condition, () -> "the condition holds");
  }

  /** A deadline {@code timeout} from now. */
  static Instant within(Duration timeout) {
    return Instant.now().plus(timeout);
  }

  static Instant within(long seconds) {
    return within(Duration.ofSeconds(seconds));
  }
}
