package io.spindle.cli;

import io.spindle.protocol.queue.Delete;
import io.spindle.protocol.queue.DeleteResult;
import io.spindle.protocol.queue.Request;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "rm", description = "Delete a file; exit status 3 if there was none.")
final class RemoveCommand implements Callable<Integer> {
  @ParentCommand SpindleCli cli;

  @Parameters(index = "0", paramLabel = "NAME")
  String name;

  @Override
  public Integer call() {
    DeleteResult d;
    try (ClusterClient cluster = cli.cluster()) {
      d =
          cluster
              .call(
                  Request.newBuilder()
                      .setRequestId(ClusterClient.newRequestId())
                      .setDelete(Delete.newBuilder().setName(name))
                      .build(),
                  "rm " + name)
              .getDeleted();
    }
    cli.print(Json.object("deleted", name, "commitIndex", d.getCommitIndex()), "deleted " + name);
    return ExitCode.OK;
  }
}
