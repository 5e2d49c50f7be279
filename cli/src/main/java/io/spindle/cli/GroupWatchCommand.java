package io.spindle.cli;

import io.spindle.protocol.queue.GroupChangeInfo;
import io.spindle.protocol.queue.GroupInfo;
import io.spindle.protocol.queue.GroupOp;
import io.spindle.protocol.queue.GroupShow;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(
    name = "watch",
    sortOptions = false,
    description = {
      "Print the members of GROUP, then each change as it comes (index, kind, member, address),"
          + " until interrupted (Ctrl-C, or SIGTERM; then exit 0). Follows a queue server's"
          + " failover as every command does, missing no change.",
      "With --json: the group as show --json prints it, then one line per change {\"index\","
          + " \"kind\", \"member\", \"address\"}; if the cluster no longer remembers every change"
          + " since the last one printed, the whole group again, with \"reset\": true."
    })
final class GroupWatchCommand implements Callable<Integer> {
  /** How long one question waits at the cluster for a change (the node's longest is 60 s). */
  static final Duration POLL = Duration.ofSeconds(30);

  @ParentCommand GroupCommand group;

  @Parameters(index = "0", paramLabel = "GROUP")
  String name;

  @Option(
      names = "--after",
      paramLabel = "INDEX",
      description =
          "print the changes after INDEX (the index of an earlier answer) after the members,"
              + " instead of only those to come")
  Long after;

  @Override
  public Integer call() {
    SpindleCli cli = group.cli;
    if (after != null && after < 0) {
      throw new CliException(ExitCode.USAGE, "--after takes an index, 0 or more, not " + after);
    }
    try (ClusterClient cluster = cli.cluster();
        AutoCloseable interrupts = cli.interrupts.onInterrupt(cluster::cancel)) {
      GroupInfo now = GroupShowCommand.show(cluster, name, false);
      cli.print(GroupOutput.group(now), GroupOutput.groupTable(now));
      long last = after != null ? after : now.getIndex();
      Duration wait = POLL.plus(cluster.timeout());
      while (true) {
        GroupInfo g =
            GroupCommand.call(
                    cluster,
                    GroupOp.newBuilder()
                        .setGroup(name)
                        .setShow(
                            GroupShow.newBuilder()
                                .setWait(true)
                                .setAfter(last)
                                .setWaitMs((int) POLL.toMillis())),
                    "group watch " + name,
                    wait)
                .getGroup();
        if (g.getReset()) {
          cli.notice(
              "the cluster no longer remembers every change of "
                  + name
                  + " after index "
                  + last
                  + "; its members now:");
          cli.print(GroupOutput.group(g), GroupOutput.groupTable(g));
        }
        for (GroupChangeInfo c : g.getChangesList()) {
          cli.print(GroupOutput.change(c), GroupOutput.changeLine(c));
          last = Math.max(last, c.getIndex());
        }
        last = Math.max(last, g.getIndex());
      }
    } catch (ClusterClient.CancelledException interrupted) {
      return ExitCode.OK;
    } catch (CliException e) {
      throw e;
    } catch (Exception e) { // closing the signal handlers
      throw new CliException(ExitCode.OTHER, "cannot restore the signal handlers: " + e, e);
    }
  }
}
