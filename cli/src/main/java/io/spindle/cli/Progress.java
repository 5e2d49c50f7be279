package io.spindle.cli;

import java.io.PrintStream;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A progress bar with rate and ETA on stderr, drawn only when attached to a terminal: {@code
 * [########........] 47% 12.0 MiB / 25.5 MiB 8.1 MiB/s ETA 2s}. Redrawn at most ten times a second;
 * thread-safe.
 */
final class Progress {
  private static final int WIDTH = 24;
  private static final long REDRAW_NANOS = 100_000_000L;

  private final String label;
  private final long total;
  private final PrintStream err;
  private final boolean enabled;
  private final long start = System.nanoTime();
  private final AtomicLong done = new AtomicLong();
  private long lastDraw;

  private Progress(String label, long total, PrintStream err, boolean enabled) {
    this.label = label;
    this.total = total;
    this.err = err;
    this.enabled = enabled;
  }

  /** A bar for {@code total} bytes; silent unless {@code enabled}. */
  static Progress start(String label, long total, PrintStream err, boolean enabled) {
    return new Progress(label, total, err, enabled);
  }

  void add(long bytes) {
    long now = done.addAndGet(bytes);
    if (enabled) {
      draw(now, false);
    }
  }

  /** Draws the final state and ends the line. */
  void finish() {
    if (enabled) {
      draw(done.get(), true);
    }
  }

  private synchronized void draw(long now, boolean last) {
    long t = System.nanoTime();
    if (!last && t - lastDraw < REDRAW_NANOS) {
      return;
    }
    lastDraw = t;
    double seconds = Math.max(1e-3, (t - start) / 1e9);
    double rate = now / seconds;
    int filled = total <= 0 ? WIDTH : (int) Math.min(WIDTH, WIDTH * now / total);
    String bar = "#".repeat(filled) + ".".repeat(WIDTH - filled);
    long percent = total <= 0 ? 100 : Math.min(100, 100 * now / total);
    String eta =
        last
            ? Bytes.duration(seconds)
            : rate > 0 ? "ETA " + Bytes.duration((total - now) / rate) : "";
    err.print(
        "\r"
            + label
            + " ["
            + bar
            + "] "
            + String.format("%3d%%", percent)
            + "  "
            + Bytes.human(now)
            + " / "
            + Bytes.human(total)
            + "  "
            + Bytes.human((long) rate)
            + "/s  "
            + eta
            + "   ");
    if (last) {
      err.println();
    }
    err.flush();
  }
}
