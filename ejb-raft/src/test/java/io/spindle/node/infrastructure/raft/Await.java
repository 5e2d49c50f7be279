package io.spindle.node.infrastructure.raft;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Waits for a condition with a deadline, re-checking it every few milliseconds. */
final class Await {
  private Await() {}

  /**
   * Returns once {@code condition} holds; fails with {@code what} (and {@code details}, evaluated
   * at the deadline) when it does not within {@code timeout}.
   */
  static void until(
      Duration timeout, String what, BooleanSupplier condition, Supplier<String> details) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - deadline >= 0) {
        throw new AssertionError(
            "timed out after "
                + timeout.toMillis()
                + " ms waiting until "
                + what
                + ": "
                + details.get());
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
    }
  }

  static void until(Duration timeout, String what, BooleanSupplier condition) {
    until(timeout, what, condition, () -> "");
  }
}
