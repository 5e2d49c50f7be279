package io.spindle.cli;

import io.spindle.protocol.queue.FileInfo;
import io.spindle.protocol.queue.QueueProtocol;
import io.spindle.protocol.tls.ClusterTls;
import io.spindle.queue.client.ServerAddress;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/**
 * {@code spindle}: the client of a Spindle cluster, through its queue servers.
 *
 * <p>Exit status: 0 ok, 2 usage error (or a request the cluster refused as invalid), 3 not found, 4
 * cluster unavailable or busy, 1 anything else.
 */
@Command(
    name = "spindle",
    mixinStandardHelpOptions = true,
    version = "spindle client, queue protocol " + QueueProtocol.VERSION,
    sortOptions = false,
    subcommands = {
      WriteCommand.class,
      ReadCommand.class,
      ListCommand.class,
      RemoveCommand.class,
      CountCommand.class,
      StatusCommand.class,
      PingCommand.class,
      ClustersCommand.class,
      GroupCommand.class,
      BenchCommand.class
    },
    description = {
      "The client of a Spindle cluster. Queue servers come from --server or $SPINDLE_SERVERS"
          + " (host:port,...; default 127.0.0.1:4000); a request that fails on one is retried on"
          + " the next with the same request id.",
      "",
      "The client token comes from --token-file, $SPINDLE_TOKEN, $SPINDLE_TOKEN_FILE, or else"
          + " run/client-token (which bin/spindle up writes) in the current directory.",
      "",
      "Connections are TLS, trusting the cluster's CA certificate from --ca-file,"
          + " $SPINDLE_CA_FILE, or else run/ca.pem in the current directory; without one they are"
          + " plain text (for a queue server on loopback started with --plaintext).",
      "",
      "Exit status: 0 ok, 2 usage error, 3 not found, 4 cluster unavailable or busy, 5 no token"
          + " or not allowed, 1 other."
    })
public final class SpindleCli implements Callable<Integer> {
  static final String DEFAULT_SERVERS = "127.0.0.1:" + QueueProtocol.DEFAULT_PORT;

  @Spec CommandSpec spec;

  @Option(
      names = {"-s", "--server"},
      scope = ScopeType.INHERIT,
      paramLabel = "HOST:PORT,...",
      description = "queue servers to use, in order of preference (default $SPINDLE_SERVERS)")
  String servers;

  @Option(
      names = "--token-file",
      scope = ScopeType.INHERIT,
      paramLabel = "FILE",
      description = "file holding the client token (default: see above)")
  Path tokenFile;

  @Option(
      names = "--ca-file",
      scope = ScopeType.INHERIT,
      paramLabel = "FILE",
      description = "the cluster's CA certificate, for TLS (default: see above)")
  Path caFile;

  @Option(names = "--json", scope = ScopeType.INHERIT, description = "print JSON, for scripts")
  boolean json;

  @Option(
      names = "--timeout",
      scope = ScopeType.INHERIT,
      paramLabel = "SECONDS",
      description = "how long to wait for one answer (default ${DEFAULT-VALUE})")
  int timeoutSeconds = 60;

  @Option(
      names = "--retry-for",
      scope = ScopeType.INHERIT,
      paramLabel = "SECONDS",
      description =
          "how long to keep retrying when servers are down or busy (default ${DEFAULT-VALUE})")
  int retryForSeconds = 30;

  PrintStream out = System.out;
  PrintStream err = System.err;
  Map<String, String> env = System.getenv();
  boolean terminal = System.console() != null;
  Interrupts interrupts = Interrupts.SIGNALS;

  public static void main(String[] args) {
    System.exit(run(args, System.out, System.err, System.getenv(), System.console() != null));
  }

  /** Runs one command line; returns its exit status. */
  public static int run(
      String[] args, PrintStream out, PrintStream err, Map<String, String> env, boolean terminal) {
    return run(args, out, err, env, terminal, Interrupts.SIGNALS);
  }

  /** As {@link #run(String[], PrintStream, PrintStream, Map, boolean)}, interrupted by a test. */
  static int run(
      String[] args,
      PrintStream out,
      PrintStream err,
      Map<String, String> env,
      boolean terminal,
      Interrupts interrupts) {
    SpindleCli cli = new SpindleCli();
    cli.interrupts = interrupts;
    cli.out = out;
    cli.err = err;
    cli.env = env;
    cli.terminal = terminal;
    CommandLine cmd = new CommandLine(cli);
    cmd.setOut(new PrintWriter(out, true, StandardCharsets.UTF_8));
    cmd.setErr(new PrintWriter(err, true, StandardCharsets.UTF_8));
    cmd.setExecutionExceptionHandler(
        (e, line, parsed) -> {
          if (e instanceof CliException c) {
            cli.reportError(c.getMessage(), c.exitCode());
            return c.exitCode();
          }
          cli.reportError(
              "unexpected failure: "
                  + e
                  + (cli.env.containsKey("SPINDLE_DEBUG")
                      ? ""
                      : " (set SPINDLE_DEBUG=1 for the stack trace)"),
              ExitCode.OTHER);
          if (cli.env.containsKey("SPINDLE_DEBUG")) {
            e.printStackTrace(err); // asked for: the client's own diagnostic output
          }
          return ExitCode.OTHER;
        });
    return cmd.execute(args);
  }

  @Override
  public Integer call() {
    spec.commandLine().usage(err);
    return ExitCode.USAGE;
  }

  // ---- for the subcommands ----

  ClusterClient cluster() {
    String list = servers;
    if (list == null || list.isBlank()) {
      list = env.getOrDefault("SPINDLE_SERVERS", "");
    }
    if (list.isBlank()) {
      list = DEFAULT_SERVERS;
    }
    List<ServerAddress> addresses;
    try {
      addresses = ServerAddress.parseList(list);
    } catch (IllegalArgumentException e) {
      throw new CliException(ExitCode.USAGE, "bad server list: " + e.getMessage());
    }
    if (timeoutSeconds <= 0 || retryForSeconds < 0) {
      throw new CliException(
          ExitCode.USAGE, "--timeout must be positive, --retry-for not negative");
    }
    return new ClusterClient(
        addresses,
        Duration.ofSeconds(timeoutSeconds),
        Duration.ofSeconds(retryForSeconds),
        token(),
        tls(),
        this::notice);
  }

  /**
   * Says something the user should know while a command goes on (a queue server given up on), on
   * standard error: "spindle: ..." or, under --json, {"notice": "..."}, so that standard error
   * stays one JSON object a line for scripts and standard output stays the result alone.
   */
  void notice(String message) {
    if (json) {
      err.println(Json.write(Json.object("notice", message)));
    } else {
      err.println("spindle: " + message);
    }
    err.flush();
  }

  /**
   * TLS trusting the cluster's CA from --ca-file, $SPINDLE_CA_FILE or run/ca.pem in the current
   * directory; null (plain text) if none is given and run/ca.pem does not exist.
   */
  ClusterTls tls() {
    Path file = caFile;
    if (file == null) {
      String named = env.getOrDefault("SPINDLE_CA_FILE", "").strip();
      file = named.isEmpty() ? Path.of("run", "ca.pem") : Path.of(named);
      if (named.isEmpty() && !Files.isReadable(file)) {
        return null;
      }
    }
    try {
      return ClusterTls.client(file);
    } catch (IOException e) {
      throw new CliException(ExitCode.USAGE, "cannot use the CA certificate: " + e.getMessage());
    }
  }

  /**
   * The client token: from --token-file, $SPINDLE_TOKEN, $SPINDLE_TOKEN_FILE, or run/client-token
   * in the current directory; empty if none (the server then says what it needs). Never printed.
   */
  String token() {
    Path file = tokenFile;
    if (file == null) {
      String inline = env.getOrDefault("SPINDLE_TOKEN", "").strip();
      if (!inline.isEmpty()) {
        return inline;
      }
      String named = env.getOrDefault("SPINDLE_TOKEN_FILE", "").strip();
      file = named.isEmpty() ? Path.of("run", "client-token") : Path.of(named);
      if (named.isEmpty() && !Files.isReadable(file)) {
        return "";
      }
    }
    try {
      return Files.readString(file, StandardCharsets.UTF_8).strip();
    } catch (IOException e) {
      throw new CliException(
          ExitCode.USAGE, "cannot read the client token from " + file + ": " + e.getMessage());
    }
  }

  /** Whether to draw progress bars: on a terminal, and not for scripts. */
  boolean progress() {
    return terminal && !json;
  }

  /** Prints a result: its JSON under --json, else the human text. */
  void print(Object json, String human) {
    out.println(this.json ? Json.write(json) : human);
    out.flush();
  }

  private void reportError(String message, int exitCode) {
    if (json) {
      err.println(Json.write(Json.object("error", message, "exit", exitCode)));
    } else {
      err.println("spindle: " + message);
    }
    err.flush();
  }

  static Map<String, Object> fileJson(FileInfo f) {
    return Json.object(
        "name", f.getName(),
        "size", f.getSize(),
        "sha256", Bytes.hex(f.getSha256().toByteArray()),
        "chunks", f.getChunkCount(),
        "storedAt", Instant.ofEpochMilli(f.getStoredAtMillis()).toString(),
        "commitIndex", f.getCommitIndex());
  }
}
