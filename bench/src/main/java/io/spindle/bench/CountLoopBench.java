package io.spindle.bench;

import io.spindle.node.domain.count.RangeCounts;
import io.spindle.node.domain.count.WcLocale;
import io.spindle.node.domain.count.WcScanner;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * The counting loop alone, on one core: GB/s of {@link WcScanner} over text held in memory, in both
 * locales. Prints {@code count.loop.c.gbps} and {@code count.loop.utf8.gbps} lines ({@code NAME
 * VALUE UNIT}). The text is prose with some multibyte characters, fed in 1 MiB pieces as a node
 * feeds the chunks of a stored file.
 *
 * <p>Time is the counting thread's CPU time (best of five rounds), so the figure is per core even
 * when other processes share the machine; the wall-clock figure of the same round goes to stderr.
 */
public final class CountLoopBench {
  private static final ThreadMXBean CPU = ManagementFactory.getThreadMXBean();

  private CountLoopBench() {}

  public static void main(String[] args) throws java.io.IOException {
    int megabytes = args.length > 0 ? Integer.parseInt(args[0]) : 512;
    byte[] text =
        args.length > 1
            ? repeat(
                java.nio.file.Files.readAllBytes(java.nio.file.Path.of(args[1])), megabytes << 20)
            : sampleText(megabytes << 20);
    for (WcLocale locale : WcLocale.values()) {
      double best = 0;
      double bestWall = 0;
      RangeCounts counts = null;
      for (int round = 0; round < 5; round++) {
        long started = System.nanoTime();
        long startedCpu = CPU.getCurrentThreadCpuTime();
        WcScanner scanner = new WcScanner(locale);
        for (int off = 0; off < text.length; off += 1 << 20) {
          scanner.feed(text, off, Math.min(1 << 20, text.length - off));
        }
        counts = scanner.finish(new byte[0]);
        double cpuSeconds = (CPU.getCurrentThreadCpuTime() - startedCpu) / 1e9;
        double seconds = (System.nanoTime() - started) / 1e9;
        best = Math.max(best, text.length / cpuSeconds / 1e9);
        bestWall = Math.max(bestWall, text.length / seconds / 1e9);
      }
      System.err.println(
          String.format(Locale.ROOT, "# %s: %s; wall clock %.2f GB/s", locale, counts, bestWall));
      System.out.println(
          String.format(
              Locale.ROOT,
              "count.loop.%s.gbps %.2f GB/s",
              locale.name().toLowerCase(Locale.ROOT),
              best));
    }
  }

  private static byte[] sampleText(int size) {
    String paragraph =
        "Spindle keeps a full copy of every file on every node, and counts words the way wc does."
            + " Caf\u00e9s na\u00efvely serve cr\u00e8me br\u00fbl\u00e9e \u2014 \u4e2d\u6587 too.\n"
            + "\tLines, words\u00a0and characters: 42 of them, give or take.\r\n";
    return repeat(paragraph.getBytes(StandardCharsets.UTF_8), size);
  }

  private static byte[] repeat(byte[] unit, int size) {
    byte[] out = new byte[size];
    for (int i = 0; i < size; i += unit.length) {
      System.arraycopy(unit, 0, out, i, Math.min(unit.length, size - i));
    }
    return out;
  }
}
