package io.spindle.cli;

import io.spindle.protocol.queue.GroupInfo;
import io.spindle.protocol.queue.GroupOp;
import io.spindle.protocol.queue.GroupShow;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(
    name = "show",
    description =
        "The members of GROUP (none if it has none): id, address, state, ttl, probe, last"
            + " renewal, meta; and the index of the group's latest change.")
final class GroupShowCommand implements Callable<Integer> {
  @ParentCommand GroupCommand group;

  @Parameters(index = "0", paramLabel = "GROUP")
  String name;

  @Option(names = "--stale", description = "any node's view as it is (not linearizable)")
  boolean stale;

  @Override
  public Integer call() {
    GroupInfo g;
    try (ClusterClient cluster = group.cli.cluster()) {
      g = show(cluster, name, stale);
    }
    group.cli.print(GroupOutput.group(g), GroupOutput.groupTable(g));
    return ExitCode.OK;
  }

  static GroupInfo show(ClusterClient cluster, String name, boolean stale) {
    return GroupCommand.call(
            cluster,
            GroupOp.newBuilder().setGroup(name).setShow(GroupShow.newBuilder().setStale(stale)),
            "group show " + name)
        .getGroup();
  }
}
