package io.spindle.cli;

import io.spindle.protocol.queue.GroupList;
import io.spindle.protocol.queue.GroupListInfo;
import io.spindle.protocol.queue.GroupOp;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

@Command(name = "ls", description = "List the groups that have members, with how many.")
final class GroupListCommand implements Callable<Integer> {
  @ParentCommand GroupCommand group;

  @Option(names = "--stale", description = "any node's view as it is (not linearizable)")
  boolean stale;

  @Override
  public Integer call() {
    GroupListInfo l;
    try (ClusterClient cluster = group.cli.cluster()) {
      l =
          GroupCommand.call(
                  cluster,
                  GroupOp.newBuilder().setList(GroupList.newBuilder().setStale(stale)),
                  "group ls")
              .getGroups();
    }
    group.cli.print(GroupOutput.list(l), GroupOutput.listTable(l));
    return ExitCode.OK;
  }
}
