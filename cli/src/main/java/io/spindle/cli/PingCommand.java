package io.spindle.cli;

import io.spindle.protocol.queue.ClusterPing;
import io.spindle.protocol.queue.Hop;
import io.spindle.protocol.queue.Ping;
import io.spindle.protocol.queue.PingResult;
import io.spindle.protocol.queue.Request;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(
    name = "ping",
    sortOptions = false,
    description = {
      "Ping through the leader to every member, to another cluster (--cluster, through its route"
          + " in Redis), or to every cluster of the federation in turn (--all). Prints the path"
          + " like traceroute: each hop with its kind, cluster, name, address and round trip.",
      "Exit status 0 when every cluster asked answered, 3 when the cluster is unknown, 4 when one"
          + " did not answer (or the cluster is unavailable)."
    })
final class PingCommand implements Callable<Integer> {
  static final int DEFAULT_CLUSTER_TIMEOUT_S = 5;
  static final int MAX_CLUSTER_TIMEOUT_S = 60;
  static final int MAX_HOPS = 64;
  static final int MAX_CLUSTER_ID_CHARS = 255;

  /**
   * What a cluster of the walk may take beside its own timeout: its route read from Redis (whose
   * timeout is 2 s by default) and the forwarding itself.
   */
  static final Duration PER_CLUSTER_SLACK = Duration.ofSeconds(3);

  @ParentCommand SpindleCli cli;

  @Parameters(
      index = "0",
      arity = "0..1",
      paramLabel = "CLUSTER",
      description = "another cluster's id, as --cluster")
  String positional;

  @Option(
      names = "--cluster",
      paramLabel = "ID",
      description = "the cluster to ping, through its route in Redis (default: this cluster)")
  String cluster;

  @Option(
      names = "--all",
      description =
          "every cluster of the route table, one after the other in a ring ordered by id, ending"
              + " back at this cluster")
  boolean all;

  @Option(
      names = "--timeout-s",
      paramLabel = "N",
      description =
          "how long each other cluster may take to answer, 1 to 60 seconds (default"
              + " ${DEFAULT-VALUE})")
  int clusterTimeoutSeconds = DEFAULT_CLUSTER_TIMEOUT_S;

  @Option(
      names = "--max-hops",
      paramLabel = "N",
      description = "the most clusters a ping visits, 1 to 64 (default ${DEFAULT-VALUE})")
  int maxHops = MAX_HOPS;

  /**
   * A ping's target, checked: another cluster's id (empty for this cluster) or every cluster.
   *
   * @param cluster empty for this cluster
   */
  record Target(String cluster, boolean all, int clusterTimeoutSeconds, int maxHops) {
    /**
     * The target of a command line: the positional CLUSTER and --cluster say the same thing (both
     * may be given if they agree), --all excludes both.
     *
     * @throws CliException USAGE, with the rule the command line broke
     */
    static Target of(
        String positional, String option, boolean all, int clusterTimeoutSeconds, int maxHops) {
      if (positional != null && option != null && !positional.equals(option)) {
        throw new CliException(
            ExitCode.USAGE,
            "ping was given two clusters, CLUSTER and --cluster; give one (they are the same"
                + " option)");
      }
      String id = option != null ? option : positional;
      if (all && id != null) {
        throw new CliException(
            ExitCode.USAGE,
            "--all pings every cluster, so it takes no --cluster (or CLUSTER); give one or the"
                + " other");
      }
      if (id != null) {
        checkClusterId(id);
      }
      if (clusterTimeoutSeconds < 1 || clusterTimeoutSeconds > MAX_CLUSTER_TIMEOUT_S) {
        throw new CliException(
            ExitCode.USAGE,
            "--timeout-s takes 1 to "
                + MAX_CLUSTER_TIMEOUT_S
                + " seconds, not "
                + clusterTimeoutSeconds);
      }
      if (maxHops < 1 || maxHops > MAX_HOPS) {
        throw new CliException(
            ExitCode.USAGE, "--max-hops takes 1 to " + MAX_HOPS + " clusters, not " + maxHops);
      }
      return new Target(id == null ? "" : id, all, clusterTimeoutSeconds, maxHops);
    }

    Ping ping() {
      return Ping.newBuilder()
          .setTargetCluster(cluster)
          .setAllClusters(all)
          .setClusterTimeoutMs(clusterTimeoutSeconds * 1000)
          .setHopLimit(maxHops)
          .build();
    }

    /** Whether the ping goes beyond this cluster. */
    boolean global() {
      return all || !cluster.isEmpty();
    }

    /**
     * How long the client waits for the answer: {@code base} (--timeout, for this cluster's own
     * part), plus, for every cluster the ping may visit, its timeout and {@link
     * #PER_CLUSTER_SLACK}. The walk's clusters are not known in advance, so --all allows for
     * --max-hops of them (64 x 8 s by default).
     */
    Duration wait(Duration base) {
      int clusters = all ? maxHops : cluster.isEmpty() ? 0 : 1;
      return base.plus(
          Duration.ofSeconds(clusterTimeoutSeconds).plus(PER_CLUSTER_SLACK).multipliedBy(clusters));
    }
  }

  /** One ping's answer: the queue server that answered, the round trip, and the path. */
  record Pinged(String server, long totalMicros, PingResult result) {
    double totalMs() {
      return totalMicros / 1000.0;
    }

    /** The clusters of the walk that did not answer, in walk order. */
    List<ClusterPing> unanswered() {
      return result.getClustersList().stream().filter(c -> !c.getAnswered()).toList();
    }
  }

  /**
   * A cluster id as the edge accepts it: 1 to 255 characters, none of them a space or a control
   * character.
   *
   * @throws CliException USAGE, saying what is wrong with it
   */
  static void checkClusterId(String id) {
    if (id.isEmpty()) {
      throw new CliException(
          ExitCode.USAGE,
          "the cluster id is empty; give one of 1 to "
              + MAX_CLUSTER_ID_CHARS
              + " characters (spindle clusters lists them)");
    }
    int chars = id.codePointCount(0, id.length());
    if (chars > MAX_CLUSTER_ID_CHARS) {
      throw new CliException(
          ExitCode.USAGE,
          "the cluster id has "
              + chars
              + " characters, more than "
              + MAX_CLUSTER_ID_CHARS
              + "; no cluster has such an id (spindle clusters lists them)");
    }
    for (int i = 0, n = 1; i < id.length(); n++) {
      int c = id.codePointAt(i);
      if (Character.isWhitespace(c) || Character.isSpaceChar(c) || Character.isISOControl(c)) {
        throw new CliException(
            ExitCode.USAGE,
            String.format(
                Locale.ROOT,
                "the cluster id has a space or a control character (U+%04X) at character %d;"
                    + " cluster ids have none (spindle clusters lists them)",
                c,
                n));
      }
      i += Character.charCount(c);
    }
  }

  @Override
  public Integer call() {
    Target target = Target.of(positional, cluster, all, clusterTimeoutSeconds, maxHops);
    Pinged p;
    try (ClusterClient client = cli.cluster()) {
      p = ping(client, target, "ping");
    }
    cli.print(json(p), human(p, target));
    List<ClusterPing> missing = p.unanswered();
    if (!missing.isEmpty()) {
      throw new CliException(ExitCode.UNAVAILABLE, "ping: " + unansweredSentence(p));
    }
    return ExitCode.OK;
  }

  /**
   * Sends one ping and waits for its answer as long as the clusters it visits may take; an error
   * answer becomes a {@link CliException} (NOT_FOUND exit 3, UNAVAILABLE exit 4). The queue
   * server's own hop, the first, gets the round trip measured here.
   */
  static Pinged ping(ClusterClient client, Target target, String what) {
    // Connected first (retried within --retry-for), so that the round trip is the ping's alone.
    client.retrying(what, c -> c.address());
    Duration wait = target.wait(client.timeout());
    Request request =
        Request.newBuilder()
            .setRequestId(ClusterClient.newRequestId())
            .setTimeoutMs((int) Math.min(Integer.MAX_VALUE, wait.toMillis()))
            .setPing(target.ping())
            .build();
    long start = System.nanoTime();
    PingResult result = client.call(request, what, wait, target.global()).getPing();
    long micros = Math.max(1, (System.nanoTime() - start) / 1_000);
    String server = client.lastAnswered().toString();
    if (result.getHopsCount() > 0 && result.getHops(0).getKind().equals("queue-server")) {
      result =
          result.toBuilder().setHops(0, result.getHops(0).toBuilder().setRttMicros(micros)).build();
    }
    return new Pinged(server, micros, result);
  }

  /** "cluster C did not answer (1 of 3 clusters); why". */
  static String unansweredSentence(Pinged p) {
    List<ClusterPing> missing = p.unanswered();
    if (missing.isEmpty()) {
      return "every cluster answered";
    }
    List<String> ids = missing.stream().map(ClusterPing::getClusterId).toList();
    String first = missing.get(0).getError();
    return (missing.size() == 1 ? "cluster " : "clusters ")
        + String.join(", ", ids)
        + " did not answer ("
        + missing.size()
        + " of "
        + p.result().getClustersCount()
        + " clusters)"
        + (first.isEmpty() ? "" : "; " + (missing.size() == 1 ? "" : ids.get(0) + ": ") + first);
  }

  static Map<String, Object> json(Pinged p) {
    List<Object> clusters = new ArrayList<>();
    for (ClusterPing c : p.result().getClustersList()) {
      clusters.add(
          Json.object(
              "clusterId", c.getClusterId(),
              "answered", c.getAnswered(),
              "error", c.getError(),
              "rttMicros", c.getRttMicros(),
              "hops", hopsJson(c.getHopsList())));
    }
    return Json.object(
        "server", p.server(),
        "totalMs", p.totalMs(),
        "hops", hopsJson(p.result().getHopsList()),
        "clusters", clusters);
  }

  private static List<Object> hopsJson(List<Hop> hops) {
    List<Object> out = new ArrayList<>();
    for (Hop h : hops) {
      out.add(
          Json.object(
              "name", h.getName(),
              "address", h.getAddress(),
              "clusterId", h.getClusterId(),
              "rttMicros", h.getRttMicros(),
              "reached", h.getReached(),
              "error", h.getError(),
              "kind", h.getKind()));
    }
    return out;
  }

  /**
   * Like traceroute: the client's round trip to the queue server, then every hop in order; for
   * --all, every cluster of the walk with its hops beneath it.
   */
  static String human(Pinged p, Target target) {
    List<Hop> every = new ArrayList<>(p.result().getHopsList());
    p.result().getClustersList().forEach(c -> every.addAll(c.getHopsList()));
    int[] widths = widths(every);
    StringBuilder b =
        new StringBuilder(
            String.format(
                Locale.ROOT, "client -> queue server %s: %s", p.server(), ms(p.totalMicros())));
    hops(b, p.result().getHopsList(), "  ", widths);
    for (ClusterPing c : p.result().getClustersList()) {
      if (c.getAnswered()) {
        b.append(
            String.format(
                Locale.ROOT,
                "%ncluster %s: answered in %s",
                c.getClusterId(),
                ms(c.getRttMicros())));
        hops(b, c.getHopsList(), "    ", widths);
      } else {
        b.append(
            String.format(
                "%ncluster %s: did not answer: %s",
                c.getClusterId(), c.getError().isEmpty() ? "(no reason given)" : c.getError()));
      }
    }
    if (target.all() && p.result().getClustersCount() == 0) {
      b.append(String.format("%n(the walk visited no cluster)"));
    }
    return b.toString();
  }

  private static void hops(StringBuilder b, List<Hop> hops, String indent, int[] widths) {
    for (Hop h : hops) {
      b.append(
          String.format(
              "%n%s%-" + widths[0] + "s  %-" + widths[1] + "s  %-" + widths[2] + "s  %-" + widths[3]
                  + "s  %s",
              indent,
              orDash(h.getKind()),
              orDash(h.getClusterId()),
              orDash(h.getName()),
              orDash(h.getAddress()),
              h.getReached() ? ms(h.getRttMicros()) : unreachable(h.getError())));
    }
  }

  /** "unreachable: why", once (a node's reason may say "unreachable" itself). */
  static String unreachable(String error) {
    if (error.isEmpty()) {
      return "unreachable: (no reason given)";
    }
    return error.startsWith("unreachable") ? error : "unreachable: " + error;
  }

  /** Column widths of kind, cluster, name and address over every hop printed. */
  private static int[] widths(List<Hop> hops) {
    int[] w = {"queue-server".length(), 1, 1, 1};
    for (Hop h : hops) {
      w[0] = Math.max(w[0], orDash(h.getKind()).length());
      w[1] = Math.max(w[1], orDash(h.getClusterId()).length());
      w[2] = Math.max(w[2], orDash(h.getName()).length());
      w[3] = Math.max(w[3], orDash(h.getAddress()).length());
    }
    return w;
  }

  private static String orDash(String s) {
    return s.isEmpty() ? "-" : s;
  }

  static String ms(long micros) {
    return String.format(Locale.ROOT, "%.2f ms", micros / 1000.0);
  }
}
