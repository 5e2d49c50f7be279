package io.spindle.cli;

import io.spindle.protocol.queue.Count;
import io.spindle.protocol.queue.CountResult;
import io.spindle.protocol.queue.CountedRange;
import io.spindle.protocol.queue.Delete;
import io.spindle.protocol.queue.Request;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * {@code bench count}: a generated text file of new content (so no node has its count cached) is
 * written to local disk and into the cluster, then counted by the cluster ({@code spindle count}'s
 * request, the ranges shared among the nodes through the queue server) and by {@code LC_ALL=C wc
 * -w} from local disk, one after the other in the same run. Standard output carries only {@code
 * NAME VALUE UNIT} lines; progress goes to standard error.
 */
@Command(
    name = "count",
    sortOptions = false,
    description = {
      "Writes a generated text file of new content (local disk and cluster), then times the"
          + " cluster's count of it (the spindle count request, not cached) and LC_ALL=C wc -w on"
          + " the local copy. Prints NAME VALUE UNIT lines: count.cluster.seconds,"
          + " count.wc.seconds, count.ratio (cluster / wc; the target is below 0.5),"
          + " count.cluster.gbps and count.cluster.nodes (nodes that counted ranges)."
    })
final class CountBench implements Callable<Integer> {
  private static final long MIB = 1024 * 1024;

  @ParentCommand BenchCommand bench;

  @Option(
      names = "--mib",
      paramLabel = "N",
      description = "size of the file in MiB (default ${DEFAULT-VALUE})")
  long mib = 1024;

  @Option(
      names = "--locale",
      paramLabel = "c|utf8",
      description = "the locale of the cluster's count (default ${DEFAULT-VALUE}, as wc's)")
  String locale = "c";

  @Option(
      names = "--dir",
      paramLabel = "DIR",
      description = "where the local copy is written (default: a temporary directory)")
  Path dir;

  @Option(names = "--keep", description = "keep the file in the cluster and on disk")
  boolean keep;

  @Override
  public Integer call() throws Exception {
    SpindleCli cli = bench.cli;
    if (mib < 1) {
      throw new CliException(ExitCode.USAGE, "--mib must be at least 1");
    }
    long seed = new SecureRandom().nextLong();
    String name = "bench/count-" + HexFormat.of().toHexDigits(seed) + ".txt";
    Path local = (dir != null ? dir : Files.createTempDirectory("spindle-count-")).resolve("text");
    try (ClusterClient cluster = cli.cluster()) {
      cli.err.println("# writing " + mib + " MiB of generated text to " + local);
      generate(local, mib * MIB, seed);
      cli.err.println("# writing it into the cluster as " + name);
      new Uploader(cluster, cli.err, cli.progress(), Duration.ofMinutes(30)).upload(local, name);
      try {
        cli.err.println("# counting it in the cluster (" + locale + ")");
        long start = System.nanoTime();
        CountResult c =
            cluster
                .call(
                    Request.newBuilder()
                        .setRequestId(ClusterClient.newRequestId())
                        .setCount(Count.newBuilder().setName(name).setLocale(locale))
                        .build(),
                    "count " + name)
                .getCount();
        double clusterSeconds = (System.nanoTime() - start) / 1e9;
        if (c.getCached()) {
          throw new CliException(
              ExitCode.OTHER, "the cluster answered from its cache; the content was not new");
        }
        TreeSet<String> counters = new TreeSet<>();
        for (CountedRange r : c.getRangesList()) {
          counters.add(r.getNodeId());
        }
        cli.err.println(
            "# "
                + c.getRangesCount()
                + " ranges counted by "
                + counters
                + "; "
                + c.getWords()
                + " words");

        cli.err.println("# LC_ALL=C wc -w " + local);
        start = System.nanoTime();
        long wcWords = wcWords(local);
        double wcSeconds = (System.nanoTime() - start) / 1e9;
        if (locale.equals("c") && wcWords != c.getWords()) {
          throw new CliException(
              ExitCode.OTHER,
              "the cluster counted " + c.getWords() + " words, wc " + wcWords + ": a bug");
        }
        result("count.cluster.seconds", "%.2f", clusterSeconds, "s");
        result("count.wc.seconds", "%.2f", wcSeconds, "s");
        result("count.ratio", "%.2f", clusterSeconds / wcSeconds, "cluster/wc");
        result("count.cluster.gbps", "%.2f", mib * MIB / clusterSeconds / 1e9, "GB/s");
        cli.out.println("count.cluster.nodes " + counters.size() + " nodes");
        return ExitCode.OK;
      } finally {
        if (!keep) {
          cluster.call(
              Request.newBuilder()
                  .setRequestId(ClusterClient.newRequestId())
                  .setDelete(Delete.newBuilder().setName(name))
                  .build(),
              "rm " + name);
        }
      }
    } finally {
      if (!keep) {
        Files.deleteIfExists(local);
        if (dir == null) {
          Files.deleteIfExists(local.getParent());
        }
      }
    }
  }

  private void result(String metric, String format, double value, String unit) {
    bench.cli.out.println(metric + " " + String.format(Locale.ROOT, format, value) + " " + unit);
  }

  private static long wcWords(Path file) throws IOException, InterruptedException {
    ProcessBuilder pb = new ProcessBuilder("wc", "-w", file.toString());
    pb.environment().put("LC_ALL", "C");
    pb.redirectError(ProcessBuilder.Redirect.INHERIT);
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim();
    if (p.waitFor() != 0) {
      throw new CliException(ExitCode.OTHER, "wc -w failed: " + out);
    }
    return Long.parseLong(out.split("\\s+")[0]);
  }

  /**
   * English-like text of words from a small vocabulary with some accented and CJK words, lines of
   * about 70 characters; the seed goes first, so every run's content (and SHA-256) is new.
   */
  static void generate(Path file, long size, long seed) throws IOException {
    String[] vocabulary = {
      "the", "of", "and", "to", "a", "in", "is", "that", "for", "it", "as", "was", "with", "be",
      "by", "on", "not", "he", "this", "are", "or", "his", "from", "at", "which", "but", "have",
      "an", "had", "they", "you", "were", "their", "one", "all", "we", "can", "her", "has", "there",
      "been", "if", "more", "when", "will", "would", "who", "so", "no", "Spindle", "cluster",
      "count", "words", "Raft", "node", "queue", "range", "café", "naïve", "Straße", "中文", "über",
      "time", "people", "year", "way", "day", "thing", "world", "life", "hand"
    };
    byte[][] words = new byte[vocabulary.length][];
    for (int i = 0; i < words.length; i++) {
      words[i] = vocabulary[i].getBytes(StandardCharsets.UTF_8);
    }
    SplittableRandom random = new SplittableRandom(seed);
    try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 20)) {
      byte[] head = ("run " + Long.toHexString(seed) + "\n").getBytes(StandardCharsets.US_ASCII);
      out.write(head);
      long written = head.length;
      int line = 0;
      while (written < size) {
        byte[] w = words[random.nextInt(words.length)];
        byte sep = line + w.length > 70 ? (byte) '\n' : (byte) ' ';
        line = sep == '\n' ? 0 : line + w.length + 1;
        int n = (int) Math.min(w.length, size - written);
        out.write(w, 0, n);
        written += n;
        if (written < size) {
          out.write(sep);
          written++;
        }
      }
    }
  }
}
