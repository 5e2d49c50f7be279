package io.spindle.cli;

import io.spindle.protocol.queue.GroupMemberInfo;
import io.spindle.protocol.queue.GroupOp;
import io.spindle.protocol.queue.GroupRenew;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(
    name = "renew",
    description =
        "Renew member ID's lease in GROUP (a full ttl from now); exit status 3 if it is not a"
            + " member (it left, its lease lapsed, or it never joined: join again).")
final class GroupRenewCommand implements Callable<Integer> {
  @ParentCommand GroupCommand group;

  @Parameters(index = "0", paramLabel = "GROUP")
  String name;

  @Parameters(index = "1", paramLabel = "ID")
  String id;

  @Override
  public Integer call() {
    GroupMemberInfo m;
    try (ClusterClient cluster = group.cli.cluster()) {
      m =
          GroupCommand.call(
                  cluster,
                  GroupOp.newBuilder()
                      .setGroup(name)
                      .setMemberId(id)
                      .setRenew(GroupRenew.getDefaultInstance()),
                  "renew " + name + " " + id)
              .getMember();
    }
    group.cli.print(
        GroupOutput.member(m),
        "renewed "
            + id
            + " in "
            + name
            + ": ttl "
            + Integer.toUnsignedLong(m.getTtlSeconds())
            + " s");
    return ExitCode.OK;
  }
}
