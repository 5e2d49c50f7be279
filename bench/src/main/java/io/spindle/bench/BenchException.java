package io.spindle.bench;

/** A failure of {@code bench files} with a message meant for the user. */
final class BenchException extends Exception {
  private static final long serialVersionUID = 1L;

  BenchException(String message) {
    super(message);
  }

  BenchException(String message, Throwable cause) {
    super(message, cause);
  }

  /** Stops the run once {@code deadlineNanos} (a {@link System#nanoTime} value) has passed. */
  static void checkDeadline(long deadlineNanos) throws BenchException {
    if (System.nanoTime() > deadlineNanos) {
      throw new BenchException("the run took longer than --timeout; stopped");
    }
  }
}
