package io.spindle.cli;

import io.spindle.protocol.queue.Hop;
import io.spindle.protocol.queue.Ping;
import io.spindle.protocol.queue.PingResult;
import io.spindle.protocol.queue.Request;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(
    name = "ping",
    description =
        "Ping through the leader to every member (or to another cluster): each hop with its"
            + " round-trip time.")
final class PingCommand implements Callable<Integer> {
  @ParentCommand SpindleCli cli;

  @Parameters(
      index = "0",
      arity = "0..1",
      paramLabel = "CLUSTER",
      description = "another cluster's id")
  String target = "";

  @Override
  public Integer call() {
    PingResult p;
    long start = System.nanoTime();
    String server;
    try (ClusterClient cluster = cli.cluster()) {
      p =
          cluster
              .call(
                  Request.newBuilder()
                      .setRequestId(ClusterClient.newRequestId())
                      .setPing(Ping.newBuilder().setTargetCluster(target))
                      .build(),
                  "ping")
              .getPing();
      server = cluster.connection().address().toString();
    } catch (java.io.IOException e) {
      throw new CliException(ExitCode.UNAVAILABLE, "ping failed: " + e.getMessage());
    }
    double totalMs = (System.nanoTime() - start) / 1e6;
    List<Object> hops = new ArrayList<>();
    StringBuilder human =
        new StringBuilder(String.format("via queue server %s: %.2f ms in all", server, totalMs));
    for (Hop h : p.getHopsList()) {
      hops.add(
          Json.object(
              "name", h.getName(),
              "address", h.getAddress(),
              "clusterId", h.getClusterId(),
              "rttMicros", h.getRttMicros(),
              "reached", h.getReached(),
              "error", h.getError()));
      human.append(
          String.format(
              "%n  %-12s %-22s %s",
              h.getName(),
              h.getAddress(),
              h.getReached()
                  ? String.format("%.2f ms", h.getRttMicros() / 1000.0)
                  : "unreachable: " + h.getError()));
    }
    cli.print(Json.object("server", server, "totalMs", totalMs, "hops", hops), human.toString());
    return ExitCode.OK;
  }
}
