package io.spindle.cli;

import io.spindle.protocol.federation.RouteMember;
import io.spindle.protocol.queue.Clusters;
import io.spindle.protocol.queue.ClustersResult;
import io.spindle.protocol.queue.Request;
import io.spindle.protocol.queue.RouteView;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;

@Command(
    name = "clusters",
    description = {
      "The federation's route table, as a node of this cluster reads it from Redis: every cluster"
          + " that published a route, with its leader, term, members, queue servers, the route's"
          + " age, and whether its queue server accepts a connection now.",
      "Exit status 4 when the table could not be read whole (Redis not reachable or not"
          + " configured); the rows that could be read are printed all the same."
    })
final class ClustersCommand implements Callable<Integer> {
  @ParentCommand SpindleCli cli;

  @Override
  public Integer call() {
    ClustersResult r;
    try (ClusterClient cluster = cli.cluster()) {
      r =
          cluster
              .call(
                  Request.newBuilder()
                      .setRequestId(ClusterClient.newRequestId())
                      .setClusters(Clusters.getDefaultInstance())
                      .build(),
                  "clusters")
              .getClusters();
    }
    cli.print(json(r), human(r));
    if (!r.getError().isEmpty()) {
      throw new CliException(ExitCode.UNAVAILABLE, "clusters: " + r.getError());
    }
    return ExitCode.OK;
  }

  static Map<String, Object> json(ClustersResult r) {
    List<Object> routes = new ArrayList<>();
    for (RouteView v : r.getRoutesList()) {
      List<Object> members = new ArrayList<>();
      for (RouteMember m : v.getMembersList()) {
        members.add(
            Json.object(
                "nodeId", m.getNodeId(),
                "raftAddress", m.getRaftAddress(),
                "httpUrl", m.getHttpUrl(),
                "role", m.getRole()));
      }
      routes.add(
          Json.object(
              "clusterId", v.getClusterId(),
              "leaderId", v.getLeaderId(),
              "term", v.getTerm(),
              "members", members,
              "queueServers", List.copyOf(v.getQueueServersList()),
              "ageMs", v.getAgeMs(),
              "reachable", v.getReachable(),
              "problem", v.getProblem()));
    }
    return Json.object(
        "clusterId", r.getClusterId(),
        "redis", r.getRedis(),
        "error", r.getError(),
        "routes", routes);
  }

  /** A header naming the Redis and the answering cluster, then a row per route. */
  static String human(ClustersResult r) {
    StringBuilder b = new StringBuilder();
    if (r.getRedis().isEmpty()) {
      b.append("no route table: cluster ").append(r.getClusterId()).append(" reads no Redis");
    } else {
      b.append(
          String.format(
              "routes in Redis at %s, as cluster %s reads them", r.getRedis(), r.getClusterId()));
    }
    if (r.getRoutesCount() == 0) {
      if (r.getError().isEmpty()) {
        b.append(String.format("%n(no cluster has published a route)"));
      }
      return b.toString();
    }
    List<String[]> rows = new ArrayList<>();
    rows.add(
        new String[] {"CLUSTER", "LEADER", "TERM", "MEMBERS", "QUEUE SERVERS", "AGE", "REACHABLE"});
    for (RouteView v : r.getRoutesList()) {
      boolean route = !v.getLeaderId().isEmpty() || v.getTerm() > 0 || v.getMembersCount() > 0;
      rows.add(
          new String[] {
            v.getClusterId(),
            orDash(v.getLeaderId()),
            route ? Long.toString(v.getTerm()) : "-",
            orDash(
                v.getMembersList().stream()
                    .map(m -> m.getNodeId() + ":" + orDash(m.getRole()))
                    .collect(Collectors.joining(","))),
            orDash(String.join(",", v.getQueueServersList())),
            route ? String.format(Locale.ROOT, "%.1f s", v.getAgeMs() / 1000.0) : "-",
            v.getReachable()
                ? "yes"
                : "no" + (v.getProblem().isEmpty() ? "" : ": " + v.getProblem())
          });
    }
    int[] widths = new int[rows.get(0).length - 1];
    for (String[] row : rows) {
      for (int i = 0; i < widths.length; i++) {
        widths[i] = Math.max(widths[i], row[i].length());
      }
    }
    for (String[] row : rows) {
      b.append(System.lineSeparator());
      for (int i = 0; i < widths.length; i++) {
        b.append(i == 2 ? pad(row[i], widths[i], true) : pad(row[i], widths[i], false));
        b.append("  ");
      }
      b.append(row[row.length - 1]);
    }
    return b.toString();
  }

  private static String pad(String s, int width, boolean right) {
    String fill = " ".repeat(Math.max(0, width - s.length()));
    return right ? fill + s : s + fill;
  }

  private static String orDash(String s) {
    return s.isEmpty() ? "-" : s;
  }
}
