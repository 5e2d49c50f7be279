package io.spindle.cli;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * {@code bench ping}: global pings one after the other, to one other cluster ({@code spindle ping
 * --cluster}) and walks over every cluster ({@code spindle ping --all}). Standard output carries
 * only {@code NAME VALUE UNIT} lines; progress goes to standard error.
 */
@Command(
    name = "ping",
    sortOptions = false,
    description = {
      "Global pings, one round trip at a time: --count pings of another cluster (spindle ping"
          + " --cluster), then --all-count walks over every cluster (spindle ping --all). Prints"
          + " NAME VALUE UNIT lines: ping.cluster.p50 and ping.cluster.p99 (ms),"
          + " ping.cluster.ops (ops/s), and the same for ping.all.",
      "A ping that fails, or a walk in which a cluster does not answer, ends the run with the"
          + " error and a non-zero exit status."
    })
final class PingBench implements Callable<Integer> {
  @ParentCommand BenchCommand bench;

  @Option(
      names = "--cluster",
      paramLabel = "ID",
      description = "the other cluster to ping (required unless --all-only)")
  String cluster;

  @Option(
      names = "--count",
      paramLabel = "N",
      description = "measured pings of --cluster (default ${DEFAULT-VALUE})")
  int count = 200;

  @Option(
      names = "--all-count",
      paramLabel = "M",
      description = "measured walks over every cluster; 0 skips them (default ${DEFAULT-VALUE})")
  int allCount = 50;

  @Option(names = "--all-only", description = "only the walks, no pings of one cluster")
  boolean allOnly;

  @Option(
      names = "--warmup",
      paramLabel = "N",
      description = "unmeasured round trips before each part (default ${DEFAULT-VALUE})")
  int warmup = 5;

  @Option(
      names = "--timeout-s",
      paramLabel = "N",
      description =
          "how long each other cluster may take to answer, 1 to 60 seconds (default"
              + " ${DEFAULT-VALUE})")
  int clusterTimeoutSeconds = PingCommand.DEFAULT_CLUSTER_TIMEOUT_S;

  @Option(
      names = "--max-hops",
      paramLabel = "N",
      description = "the most clusters a walk visits, 1 to 64 (default ${DEFAULT-VALUE})")
  int maxHops = PingCommand.MAX_HOPS;

  @Override
  public Integer call() {
    SpindleCli cli = bench.cli;
    List<PingCommand.Target> parts = parts();
    try (ClusterClient client = cli.cluster()) {
      for (PingCommand.Target target : parts) {
        int n = target.all() ? allCount : count;
        String name = target.all() ? "ping.all" : "ping.cluster";
        String what = target.all() ? "walk over every cluster" : "ping of cluster " + cluster;
        progress(
            cli,
            String.format(
                Locale.ROOT, "%d warm-up and %d measured round trips, each a %s", warmup, n, what));
        for (int i = 0; i < warmup; i++) {
          once(client, target, what, "warm-up " + (i + 1));
        }
        long[] nanos = new long[n];
        long started = System.nanoTime();
        for (int i = 0; i < n; i++) {
          long t = System.nanoTime();
          once(client, target, what, (i + 1) + " of " + n);
          nanos[i] = System.nanoTime() - t;
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        Arrays.sort(nanos);
        result(cli, name + ".p50", BenchCommand.Queue.millis(percentile(nanos, 50)), "ms");
        result(cli, name + ".p99", BenchCommand.Queue.millis(percentile(nanos, 99)), "ms");
        result(cli, name + ".ops", String.format(Locale.ROOT, "%.1f", n / seconds), "ops/s");
      }
    }
    return ExitCode.OK;
  }

  /** The parts to run, checked: the pings of --cluster, then the walks. */
  List<PingCommand.Target> parts() {
    if (count < 1 || allCount < 0 || warmup < 0) {
      throw new CliException(
          ExitCode.USAGE, "--count must be at least 1, --all-count and --warmup not negative");
    }
    if (allOnly && cluster != null) {
      throw new CliException(
          ExitCode.USAGE, "--all-only runs no ping of one cluster; drop --cluster or --all-only");
    }
    if (!allOnly && cluster == null) {
      throw new CliException(
          ExitCode.USAGE,
          "bench ping needs --cluster ID, the other cluster to ping (spindle clusters lists"
              + " them), or --all-only for the walks alone");
    }
    if (allOnly && allCount == 0) {
      throw new CliException(ExitCode.USAGE, "--all-only with --all-count 0 leaves nothing to run");
    }
    PingCommand.Target walk =
        PingCommand.Target.of(null, null, true, clusterTimeoutSeconds, maxHops);
    if (allOnly) {
      return List.of(walk);
    }
    PingCommand.Target one =
        PingCommand.Target.of(null, cluster, false, clusterTimeoutSeconds, maxHops);
    return allCount == 0 ? List.of(one) : List.of(one, walk);
  }

  /** One round trip; a failure, or a cluster of the walk that did not answer, ends the run. */
  private static void once(ClusterClient client, PingCommand.Target target, String what, String n) {
    String which = "bench ping: " + what + " (" + n + ")";
    PingCommand.Pinged p = PingCommand.ping(client, target, which);
    if (!p.unanswered().isEmpty()) {
      throw new CliException(
          ExitCode.UNAVAILABLE, which + ": " + PingCommand.unansweredSentence(p));
    }
  }

  private static long percentile(long[] sorted, int p) {
    return BenchCommand.Queue.percentile(sorted, p);
  }

  private static void result(SpindleCli cli, String name, String value, String unit) {
    cli.out.println(name + " " + value + " " + unit);
    cli.out.flush();
  }

  private static void progress(SpindleCli cli, String message) {
    cli.err.println("bench ping: " + message);
    cli.err.flush();
  }
}
