package io.spindle.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;

/** Benchmarks against a running cluster; {@code bench queue} comes with the benchmark issue. */
@Command(
    name = "bench",
    description = "Benchmarks against a running cluster.",
    subcommands = {BenchCommand.Queue.class})
final class BenchCommand implements Callable<Integer> {
  @ParentCommand SpindleCli cli;

  @Override
  public Integer call() {
    throw new CliException(ExitCode.USAGE, "bench needs a benchmark: bench queue");
  }

  @Command(name = "queue", description = "4 KiB writes through the queue servers (not yet built).")
  static final class Queue implements Callable<Integer> {
    @Override
    public Integer call() {
      throw new CliException(
          ExitCode.OTHER, "bench queue is not built yet; it comes with the benchmark issue");
    }
  }
}
