package io.spindle.cli;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(
    name = "read",
    description =
        "Fetch a file: runs of chunks streamed in parallel from the nodes holding it, every"
            + " SHA-256 verified; to FILE (replaced atomically) or to standard output.")
final class ReadCommand implements Callable<Integer> {
  @ParentCommand SpindleCli cli;

  @Parameters(index = "0", paramLabel = "NAME", description = "the file's name in the cluster")
  String name;

  @Option(
      names = {"-o", "--output"},
      paramLabel = "FILE",
      description = "where to write it")
  Path output;

  @Option(names = "--stale", description = "any node's copy as it is, without a linearizable read")
  boolean stale;

  @Option(
      names = "--parallel",
      paramLabel = "N",
      description =
          "streams at most, each a run of chunks from one holder; no more than the holders"
              + " (default ${DEFAULT-VALUE})")
  int parallel = 3;

  @Option(
      names = "--stall-timeout",
      paramLabel = "S",
      description =
          "seconds a holder may send nothing (before its answer or in the middle of it) before"
              + " the rest of its chunks are asked of another holder (default ${DEFAULT-VALUE})")
  int stallTimeout = (int) Downloader.DEFAULT_STALL_TIMEOUT.toSeconds();

  @Option(
      names = "--limit-rate",
      paramLabel = "RATE",
      converter = RateLimit.Converter.class,
      description =
          "bytes per second at most, all streams together: 500K, 8M, 1G (binary units);"
              + " unlimited by default")
  Long limitRate;

  @Override
  public Integer call() {
    if (output == null && cli.json) {
      throw new CliException(ExitCode.USAGE, "--json needs -o FILE (the content cannot be JSON)");
    }
    try (ClusterClient cluster = cli.cluster()) {
      if (stallTimeout < 1) {
        throw new CliException(
            ExitCode.USAGE, "--stall-timeout is a whole number of seconds, at least 1");
      }
      Downloader d =
          new Downloader(
              cluster,
              parallel,
              Duration.ofSeconds(stallTimeout),
              limitRate == null ? null : new RateLimit(limitRate),
              cli.err,
              cli.progress());
      if (output == null) {
        d.readToStream(name, stale, cli.out);
        return ExitCode.OK;
      }
      Downloader.Result r = d.readToFile(name, stale, output);
      List<String> nodes = List.copyOf(new TreeSet<>(r.servedBy()));
      var json = SpindleCli.fileJson(r.read().getFile());
      json.put("output", output.toString());
      json.put("servedBy", nodes);
      cli.print(
          json,
          "read "
              + name
              + " into "
              + output
              + ": "
              + Bytes.human(r.read().getFile().getSize())
              + ", sha256 verified"
              + (nodes.isEmpty() ? "" : ", from " + String.join(", ", nodes)));
    }
    return ExitCode.OK;
  }
}
