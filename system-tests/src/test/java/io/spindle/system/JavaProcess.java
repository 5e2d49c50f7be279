package io.spindle.system;

import io.spindle.testkit.netns.NetnsLab;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;

/**
 * A JVM of this project started from the test's own classpath (the queue server, the {@code
 * spindle} client), its output in a file.
 */
final class JavaProcess {
  private final Process process;
  private final Path output;

  private JavaProcess(Process process, Path output) {
    this.process = process;
    this.output = output;
  }

  static JavaProcess start(
      String mainClass, List<String> args, Map<String, String> env, Path output)
      throws IOException {
    return start(UnaryOperator.identity(), mainClass, args, env, output);
  }

  /** As above, the command as {@code place} puts it (inside a network namespace, say). */
  private static JavaProcess start(
      UnaryOperator<List<String>> place,
      String mainClass,
      List<String> args,
      Map<String, String> env,
      Path output)
      throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(
        List.of(
            // Full JIT, as bin/spindle runs them: TLS (AES-GCM) is ten times slower with C1 alone.
            "-Xmx256m", "-cp", System.getProperty("java.class.path"), mainClass));
    command.addAll(args);
    ProcessBuilder builder = new ProcessBuilder(place.apply(command));
    builder.environment().putAll(env);
    builder.redirectErrorStream(true);
    Files.createDirectories(output.getParent());
    builder.redirectOutput(ProcessBuilder.Redirect.appendTo(output.toFile()));
    return new JavaProcess(builder.start(), output);
  }

  /**
   * The queue server on 127.0.0.1:{@code port} with its spool under {@code dir}, proving {@code
   * secret}; {@code discovery} are its discovery options ({@code --discovery off}, or loopback with
   * free ports).
   */
  static JavaProcess queueServer(int port, Path dir, String secret, Path log, String... discovery)
      throws IOException {
    return queueServer(port, dir, secret, log, Map.of(), discovery);
  }

  /** As above, with more environment (a federation secret). */
  static JavaProcess queueServer(
      int port, Path dir, String secret, Path log, Map<String, String> extraEnv, String... options)
      throws IOException {
    String[] discovery = options;
    List<String> args =
        new ArrayList<>(
            List.of(
                "--port",
                Integer.toString(port),
                "--bind",
                "127.0.0.1",
                "--spool-dir",
                dir.resolve("spool").toString()));
    args.addAll(SystemTls.queueServerArgs());
    if (!List.of(discovery).contains("--metrics-port")) {
      // No metrics port unless a test asks: several servers run at once, and 9400 may be taken.
      args.addAll(List.of("--metrics-port", "0"));
    }
    args.addAll(List.of(discovery));
    return start("io.spindle.queue.QueueServerMain", args, env(secret, extraEnv), log);
  }

  /**
   * The queue server in host {@code host} of {@code lab}, on that host's address, port 4000, its
   * discovery server answering on the lab's bridge ({@code --discovery lan} there reaches only the
   * lab's hosts), no metrics port.
   */
  static JavaProcess queueServerIn(NetnsLab lab, int host, Path dir, String secret, Path log)
      throws IOException {
    List<String> args =
        new ArrayList<>(
            List.of(
                "--port",
                "4000",
                "--bind",
                lab.address(host),
                "--spool-dir",
                dir.resolve("spool").toString(),
                "--metrics-port",
                "0",
                "--discovery",
                "lan"));
    args.addAll(SystemTls.queueServerArgs());
    return start(
        command -> lab.inHost(host, command),
        "io.spindle.queue.QueueServerMain",
        args,
        env(secret, Map.of()),
        log);
  }

  private static Map<String, String> env(String secret, Map<String, String> extraEnv) {
    Map<String, String> env = new java.util.HashMap<>(extraEnv);
    env.put("SPINDLE_CLUSTER_SECRET", secret);
    env.put("SPINDLE_AUTH_TOKENS_FILE", SystemTokens.file().toString());
    return env;
  }

  boolean isAlive() {
    return process.isAlive();
  }

  /** Waits for the exit; -1 if it did not exit in time (it is then killed). */
  int await(long seconds) throws InterruptedException {
    if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
      kill();
      return -1;
    }
    return process.exitValue();
  }

  String output() throws IOException {
    return Files.exists(output) ? Files.readString(output, StandardCharsets.UTF_8) : "";
  }

  Path outputFile() {
    return output;
  }

  /** kill -TERM: the process may end its work first. */
  void terminate() {
    process.destroy();
  }

  /** kill -9. */
  void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(30, TimeUnit.SECONDS);
  }
}
