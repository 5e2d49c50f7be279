package io.spindle.cli;

import io.spindle.protocol.queue.FileInfo;
import io.spindle.protocol.queue.ListFiles;
import io.spindle.protocol.queue.ListResult;
import io.spindle.protocol.queue.Request;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "ls", description = "List the stored files (those whose name starts with PREFIX).")
final class ListCommand implements Callable<Integer> {
  private static final DateTimeFormatter WHEN =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneOffset.UTC);

  @ParentCommand SpindleCli cli;

  @Parameters(index = "0", arity = "0..1", paramLabel = "PREFIX", description = "a name prefix")
  String prefix = "";

  @Option(names = "--stale", description = "any node's list as it is")
  boolean stale;

  @Override
  public Integer call() {
    ListResult list;
    try (ClusterClient cluster = cli.cluster()) {
      list =
          cluster
              .call(
                  Request.newBuilder()
                      .setRequestId(ClusterClient.newRequestId())
                      .setList(ListFiles.newBuilder().setPrefix(prefix).setStale(stale))
                      .build(),
                  "ls")
              .getList();
    }
    List<Object> json = new ArrayList<>();
    StringBuilder human = new StringBuilder();
    for (FileInfo f : list.getFilesList()) {
      json.add(SpindleCli.fileJson(f));
      human.append(
          String.format(
              "%12d  %s UTC  %s%n",
              f.getSize(), WHEN.format(Instant.ofEpochMilli(f.getStoredAtMillis())), f.getName()));
    }
    if (list.getFilesCount() == 0) {
      human.append("(no files").append(prefix.isEmpty() ? "" : " under " + prefix).append(")\n");
    }
    cli.print(json, human.toString().stripTrailing());
    return ExitCode.OK;
  }
}
