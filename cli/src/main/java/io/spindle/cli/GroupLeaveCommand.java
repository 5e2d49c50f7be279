package io.spindle.cli;

import io.spindle.protocol.queue.GroupLeave;
import io.spindle.protocol.queue.GroupOp;
import io.spindle.protocol.queue.GroupReply;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(
    name = "leave",
    description = "Remove member ID from GROUP; exit status 3 if it was not a member.")
final class GroupLeaveCommand implements Callable<Integer> {
  @ParentCommand GroupCommand group;

  @Parameters(index = "0", paramLabel = "GROUP")
  String name;

  @Parameters(index = "1", paramLabel = "ID")
  String id;

  @Override
  public Integer call() {
    GroupReply left;
    try (ClusterClient cluster = group.cli.cluster()) {
      left =
          GroupCommand.call(
              cluster,
              GroupOp.newBuilder()
                  .setGroup(name)
                  .setMemberId(id)
                  .setLeave(GroupLeave.getDefaultInstance()),
              "leave " + name + " " + id);
    }
    group.cli.print(
        json(name, id, left), id + " left " + name + " (index " + left.getIndex() + ")");
    return ExitCode.OK;
  }

  static Map<String, Object> json(String group, String id, GroupReply left) {
    return Json.object("group", group, "id", id, "left", true, "index", left.getIndex());
  }
}
