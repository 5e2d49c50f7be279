package io.spindle.testkit;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Waits for a condition with a deadline, re-checking it every few milliseconds, instead of sleeping
 * for a guessed time: the tests of every module wait with it. A condition that does not hold in
 * time fails the test with what it waited for.
 */
public final class Await {
  private static final long POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(2);
  private static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);

  private Await() {}

  /** Returns once {@code condition} holds; fails, saying {@code what}, after {@code timeout}. */
  public static void until(Duration timeout, BooleanSupplier condition, Supplier<String> what) {
    until(Instant.now().plus(timeout), condition, () -> what.get() + " (waited " + timeout + ")");
  }

  /** As above, within 10 s. */
  public static void until(BooleanSupplier condition, Supplier<String> what) {
    until(DEFAULT_TIMEOUT, condition, what);
  }

  /**
   * Returns once {@code condition} holds; fails with {@code what} and {@code details} (evaluated at
   * the deadline) after {@code timeout}.
   */
  public static void until(
      Duration timeout, String what, BooleanSupplier condition, Supplier<String> details) {
    until(timeout, condition, () -> what + ": " + details.get());
  }

  public static void until(Duration timeout, String what, BooleanSupplier condition) {
    until(timeout, condition, () -> what);
  }

  /** Returns once {@code condition} holds; fails, saying {@code what}, at {@code deadline}. */
  public static void until(Instant deadline, BooleanSupplier condition, Supplier<String> what) {
    while (!condition.getAsBoolean()) {
      if (Instant.now().isAfter(deadline)) {
        throw new AssertionError("timed out waiting until " + what.get());
      }
      LockSupport.parkNanos(POLL_NANOS);
    }
  }

  /**
   * Returns once {@code condition} holds, looking every {@code every}; fails, saying {@code what},
   * after {@code timeout}. For a state seen through the network (an HTTP poll of a node), where
   * looking every few milliseconds would load what it watches.
   */
  public static void until(
      Duration timeout, Duration every, BooleanSupplier condition, Supplier<String> what) {
    Instant deadline = Instant.now().plus(timeout);
    while (!condition.getAsBoolean()) {
      if (Instant.now().isAfter(deadline)) {
        throw new AssertionError(
            "timed out waiting until " + what.get() + " (waited " + timeout + ")");
      }
      LockSupport.parkNanos(every.toNanos());
    }
  }

  /**
   * Looks every {@code every} until {@code probe} finds a value, and returns it; fails, saying
   * {@code what} and the last failure of the probe, after {@code timeout}. A probe that throws (a
   * request that failed) has not found it yet.
   */
  public static <T> T poll(
      Duration timeout, Duration every, Probe<T> probe, Supplier<String> what) {
    Instant deadline = Instant.now().plus(timeout);
    Exception last = null;
    while (true) {
      try {
        Optional<T> found = probe.look();
        if (found.isPresent()) {
          return found.get();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted while waiting until " + what.get(), e);
      } catch (Exception e) {
        last = e;
      }
      if (Instant.now().isAfter(deadline)) {
        AssertionError failed =
            new AssertionError(
                "timed out waiting until " + what.get() + " (waited " + timeout + ")");
        if (last != null) {
          failed.initCause(last);
        }
        throw failed;
      }
      LockSupport.parkNanos(every.toNanos());
    }
  }

  /** What {@link #poll} looks at: empty until the state it waits for; may throw (not yet). */
  @FunctionalInterface
  public interface Probe<T> {
    Optional<T> look() throws Exception;
  }

  public static void until(Instant deadline, BooleanSupplier condition) {
    until(deadline, condition, () -> "the condition holds");
  }

  /** A deadline {@code timeout} from now. */
  public static Instant within(Duration timeout) {
    return Instant.now().plus(timeout);
  }

  public static Instant within(long seconds) {
    return within(Duration.ofSeconds(seconds));
  }
}
