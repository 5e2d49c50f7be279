package io.spindle.cli;

import io.spindle.protocol.queue.FileInfo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(
    name = "write",
    description = "Store a local file in the cluster; returns once the leader has committed it.")
final class WriteCommand implements Callable<Integer> {
  @ParentCommand SpindleCli cli;

  @Parameters(index = "0", paramLabel = "FILE", description = "the local file")
  Path file;

  @Option(
      names = "--name",
      paramLabel = "NAME",
      description = "its name in the cluster (default: FILE's name)")
  String name;

  @Option(
      names = "--commit-timeout",
      paramLabel = "SECONDS",
      description = "how long to wait for the commit once queued (default ${DEFAULT-VALUE})")
  int commitTimeoutSeconds = 600;

  @Override
  public Integer call() {
    if (!Files.isRegularFile(file)) {
      throw new CliException(ExitCode.USAGE, file + " is not a readable file");
    }
    String target = name != null ? name : file.getFileName().toString();
    try (ClusterClient cluster = cli.cluster()) {
      FileInfo f =
          new Uploader(cluster, cli.err, cli.progress(), Duration.ofSeconds(commitTimeoutSeconds))
              .upload(file, target);
      cli.print(
          SpindleCli.fileJson(f),
          "stored "
              + f.getName()
              + ": "
              + Bytes.human(f.getSize())
              + ", sha256 "
              + Bytes.hex(f.getSha256().toByteArray())
              + (f.getCommitIndex() > 0 ? ", commit index " + f.getCommitIndex() : ""));
    }
    return ExitCode.OK;
  }
}
