package io.spindle.protocol.logging;

import java.util.HashMap;
import java.util.Map;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * A logger for errors that can repeat without end (a job that fails on every node, a peer that
 * keeps sending garbage): per key, at most {@code burst} lines per {@code windowNanos}; what is
 * held back is counted and said in one line when the key may log again. Keeps a node's log from
 * growing by hundreds of megabytes when something fails in a loop.
 *
 * <p><b>Threading:</b> thread-safe (synchronized; logging is not on a hot path).
 */
public final class RateLimitedLog {
  private static final int MAX_KEYS = 1024;

  private final Logger logger;
  private final int burst;
  private final long windowNanos;
  private final LongSupplier nanoTime;
  private final Map<String, Window> windows = new HashMap<>();

  private static final class Window {
    long start;
    int logged;
    long suppressed;
  }

  public RateLimitedLog(Logger logger, int burst, long windowNanos, LongSupplier nanoTime) {
    if (burst < 1 || windowNanos < 1) {
      throw new IllegalArgumentException("burst and window must be positive");
    }
    this.logger = logger;
    this.burst = burst;
    this.windowNanos = windowNanos;
    this.nanoTime = nanoTime;
  }

  /** At most 5 lines per key every 10 s. */
  public static RateLimitedLog of(Logger logger) {
    return new RateLimitedLog(logger, 5, 10_000_000_000L, System::nanoTime);
  }

  /** Logs {@code message} (and {@code thrown}, may be null) unless {@code key} used its burst. */
  public void log(Level level, String key, Supplier<String> message, Throwable thrown) {
    if (!logger.isLoggable(level)) {
      return;
    }
    long suppressedBefore;
    synchronized (this) {
      long now = nanoTime.getAsLong();
      Window w = windows.get(key);
      if (w == null) {
        if (windows.size() >= MAX_KEYS) {
          windows.clear();
        }
        w = new Window();
        w.start = now;
        windows.put(key, w);
      } else if (now - w.start >= windowNanos) {
        w.start = now;
        w.logged = 0;
      }
      if (w.logged >= burst) {
        w.suppressed++;
        return;
      }
      w.logged++;
      suppressedBefore = w.suppressed;
      w.suppressed = 0;
    }
    String text = message.get();
    if (suppressedBefore > 0) {
      text += " (" + suppressedBefore + " more like it were not logged)";
    }
    logger.log(level, text, thrown);
  }
}
