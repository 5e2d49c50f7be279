package io.spindle.cli;

import io.spindle.protocol.queue.GroupOp;
import io.spindle.protocol.queue.GroupReply;
import io.spindle.protocol.queue.Request;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code spindle group}: group membership through the queue servers. Joins, renewals and leaves go
 * to the leader; lists and shows to any node.
 */
@Command(
    name = "group",
    sortOptions = false,
    subcommands = {
      GroupJoinCommand.class,
      GroupRenewCommand.class,
      GroupLeaveCommand.class,
      GroupListCommand.class,
      GroupShowCommand.class,
      GroupWatchCommand.class
    },
    description = {
      "Group membership: services join named groups with an id and an address and stay members"
          + " by renewing a lease (or by answering the leader's probes); the cluster removes"
          + " those that stop.",
      "Exit status 0 ok, 2 a bad name, address, ttl, meta or probe (or a full group), 3 not a"
          + " member (renew, leave), 4 cluster unavailable, 5 no token or not allowed."
    })
final class GroupCommand implements Callable<Integer> {
  @ParentCommand SpindleCli cli;

  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    spec.commandLine().usage(cli.err);
    return ExitCode.USAGE;
  }

  static Request request(GroupOp.Builder op) {
    return Request.newBuilder().setRequestId(ClusterClient.newRequestId()).setGroup(op).build();
  }

  /** Sends one group request until it has a final answer; errors become exit statuses. */
  static GroupReply call(ClusterClient cluster, GroupOp.Builder op, String what) {
    return cluster.call(request(op), what).getGroup();
  }

  /** As {@link #call}, waiting up to {@code wait} for the answer (a show that waits). */
  static GroupReply call(ClusterClient cluster, GroupOp.Builder op, String what, Duration wait) {
    return cluster.call(request(op), what, wait, false).getGroup();
  }
}
