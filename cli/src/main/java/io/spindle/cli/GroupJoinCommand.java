package io.spindle.cli;

import io.spindle.protocol.queue.GroupJoin;
import io.spindle.protocol.queue.GroupLeave;
import io.spindle.protocol.queue.GroupOp;
import io.spindle.protocol.queue.GroupRenew;
import io.spindle.protocol.queue.GroupReply;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(
    name = "join",
    sortOptions = false,
    description = {
      "Join GROUP as member ID reached at ADDR, or renew the member (updating its address, ttl,"
          + " meta and probe) if it is one already.",
      "With --keep, renew the lease every ttl/3 until interrupted (Ctrl-C, or SIGTERM), joining"
          + " again if a renewal finds the member gone (its lease lapsed), with one line on"
          + " standard error for each problem; when interrupted, leave the group, then exit 0."
    })
final class GroupJoinCommand implements Callable<Integer> {
  static final int MAX_TTL_SECONDS = 3600;
  private static final Set<String> PROBES = Set.of("none", "http", "tcp");

  @ParentCommand GroupCommand group;

  @Parameters(index = "0", paramLabel = "GROUP", description = "the group's name")
  String name;

  @Parameters(index = "1", paramLabel = "ID", description = "the member's id in the group")
  String id;

  @Option(
      names = "--address",
      required = true,
      paramLabel = "ADDR",
      description = "where the member is reached: host:port, or an http(s) URL for --probe http")
  String address;

  @Option(
      names = "--ttl",
      paramLabel = "SECONDS",
      description = "the lease: 1 to 3600 seconds without a renewal (default 30)")
  Integer ttlSeconds;

  @Option(
      names = "--meta",
      paramLabel = "KEY=VALUE",
      description = "the member's own key/value pairs (repeat for more)")
  Map<String, String> meta = new LinkedHashMap<>();

  @Option(
      names = "--probe",
      paramLabel = "none|http|tcp",
      description =
          "none: the member renews its lease (default); http or tcp: the leader probes ADDR"
              + " instead, and removes the member after several failures in a row")
  String probe = "none";

  @Option(names = "--keep", description = "renew until interrupted, then leave (see above)")
  boolean keep;

  @Override
  public Integer call() {
    SpindleCli cli = group.cli;
    if (ttlSeconds != null && (ttlSeconds < 1 || ttlSeconds > MAX_TTL_SECONDS)) {
      throw new CliException(
          ExitCode.USAGE, "--ttl takes 1 to " + MAX_TTL_SECONDS + " seconds, not " + ttlSeconds);
    }
    if (!PROBES.contains(probe)) {
      throw new CliException(ExitCode.USAGE, "--probe is none, http or tcp, not '" + probe + "'");
    }
    try (ClusterClient cluster = cli.cluster()) {
      GroupReply joined = join(cluster);
      print(cli, joined, "joined");
      if (!keep) {
        return ExitCode.OK;
      }
      return keep(cli, cluster, joined);
    }
  }

  private GroupReply join(ClusterClient cluster) {
    GroupJoin.Builder j =
        GroupJoin.newBuilder().setAddress(address).setProbe(probe).putAllMeta(meta);
    if (ttlSeconds != null) {
      j.setTtlSeconds(ttlSeconds);
    }
    return GroupCommand.call(
        cluster,
        GroupOp.newBuilder().setGroup(name).setMemberId(id).setJoin(j),
        "join " + name + " " + id);
  }

  /**
   * Renews every ttl/3 until interrupted; a renewal that finds the member gone joins again; every
   * other problem is said and the next renewal tried. Interrupted, it leaves the group.
   */
  private int keep(SpindleCli cli, ClusterClient cluster, GroupReply joined) {
    CountDownLatch stop = new CountDownLatch(1);
    long ttlMillis = Integer.toUnsignedLong(joined.getMember().getTtlSeconds()) * 1000;
    Duration period = Duration.ofMillis(Math.max(100, ttlMillis / 3));
    try (AutoCloseable interrupts = cli.interrupts.onInterrupt(stop::countDown)) {
      while (!awaitStop(stop, period)) {
        renewOrJoinAgain(cli, cluster);
      }
      leave(cli, cluster);
      return ExitCode.OK;
    } catch (CliException e) {
      throw e;
    } catch (Exception e) { // closing the signal handlers
      throw new CliException(ExitCode.OTHER, "cannot restore the signal handlers: " + e, e);
    }
  }

  private void renewOrJoinAgain(SpindleCli cli, ClusterClient cluster) {
    try {
      GroupCommand.call(
          cluster,
          GroupOp.newBuilder()
              .setGroup(name)
              .setMemberId(id)
              .setRenew(GroupRenew.getDefaultInstance()),
          "renew " + name + " " + id);
    } catch (CliException e) {
      if (e.exitCode() != ExitCode.NOT_FOUND) {
        cli.notice(e.getMessage() + "; trying again in a third of the ttl");
        return;
      }
      cli.notice(id + " is no longer a member of " + name + " (its lease lapsed); joining again");
      try {
        print(cli, join(cluster), "joined again");
      } catch (CliException again) {
        cli.notice(again.getMessage() + "; trying again in a third of the ttl");
      }
    }
  }

  /** Leaves on the way out; a member already gone (lease lapsed) is not an error. */
  private void leave(SpindleCli cli, ClusterClient cluster) {
    try {
      GroupReply left =
          GroupCommand.call(
              cluster,
              GroupOp.newBuilder()
                  .setGroup(name)
                  .setMemberId(id)
                  .setLeave(GroupLeave.getDefaultInstance()),
              "leave " + name + " " + id);
      cli.print(
          GroupLeaveCommand.json(name, id, left),
          id + " left " + name + " (index " + left.getIndex() + ")");
    } catch (CliException e) {
      if (e.exitCode() != ExitCode.NOT_FOUND) {
        throw e;
      }
      cli.notice(id + " was no longer a member of " + name + " when it left");
    }
  }

  /** Whether the user interrupted within {@code period}. */
  private static boolean awaitStop(CountDownLatch stop, Duration period) {
    try {
      return stop.await(period.toMillis(), TimeUnit.MILLISECONDS); // the renewal period
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return true;
    }
  }

  private void print(SpindleCli cli, GroupReply r, String what) {
    Map<String, Object> json = GroupOutput.member(r.getMember());
    json.put("created", r.getCreated());
    json.put("index", r.getIndex());
    cli.print(
        json,
        (r.getCreated() ? what : "renewed (already a member)")
            + ": "
            + id
            + " in "
            + name
            + " at "
            + r.getMember().getAddress()
            + ", ttl "
            + Integer.toUnsignedLong(r.getMember().getTtlSeconds())
            + " s, index "
            + r.getIndex());
  }
}
