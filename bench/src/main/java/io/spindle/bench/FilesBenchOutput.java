package io.spindle.bench;

import java.util.Locale;

/**
 * What {@code bench files} prints: one {@code NAME VALUE UNIT} line per figure on standard output
 * (what scripts read), progress on standard error.
 *
 * <p><b>Threading:</b> any thread; each call is one {@code printf} on the shared stream.
 */
final class FilesBenchOutput {
  private FilesBenchOutput() {}

  static void result(String name, double value, String unit) {
    System.out.printf(Locale.ROOT, "%s %.1f %s%n", name, value, unit);
    System.out.flush();
  }

  static void progress(String format, Object... args) {
    System.err.printf(Locale.ROOT, "[files-bench] " + format + "%n", args);
  }
}
