package io.spindle.system;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/** The {@code spindle} client as processes against one queue server, each run's output a file. */
final class Cli {
  /** A finished run of the client: its exit status and everything it printed. */
  record Run(int exit, String output) {}

  private final int queuePort;
  private final Path logDir;
  private final AtomicInteger runs = new AtomicInteger();

  Cli(int queuePort, Path logDir) {
    this.queuePort = queuePort;
    this.logDir = logDir;
  }

  /** Starts the client with {@code args} after {@code --server}. */
  JavaProcess start(String... args) throws IOException {
    List<String> all = new ArrayList<>(List.of("--server", "127.0.0.1:" + queuePort));
    all.addAll(List.of(args));
    return JavaProcess.start(
        "io.spindle.cli.SpindleCli",
        all,
        Map.of(
            "SPINDLE_TOKEN", SystemTokens.TOKEN, "SPINDLE_CA_FILE", SystemTls.caFile().toString()),
        logDir.resolve("cli-" + runs.incrementAndGet() + ".log"));
  }

  /** Runs the client to its end (10 minutes at most; then it is killed and exits -1). */
  Run run(String... args) throws Exception {
    JavaProcess process = start(args);
    int exit = process.await(600);
    return new Run(exit, process.output());
  }

  /** The output of a run that must have succeeded. */
  static String ok(Run run) {
    assertEquals(0, run.exit(), run.output());
    return run.output();
  }
}
