package io.spindle.system;

import static org.junit.jupiter.api.Assertions.fail;

import io.spindle.testkit.netns.NetnsLab;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * One Spindle node as a real Payara Micro process (the {@code web} WAR), with its data directory,
 * Raft port and HTTP port fixed across restarts. Its output goes to {@code node.log} in its
 * directory.
 */
final class PayaraNode {
  final String id;
  // The network namespace host the node runs in (null: the machine's own, on 127.0.0.1).
  private final NetnsLab lab;
  private final int host;
  // New ones when the node moves (moveToNewPorts).
  int httpPort;
  int raftPort;
  final Path dir;
  private Process process;
  private int starts;
  // Whether the next start serves HTTPS on every interface instead of HTTP on loopback.
  private boolean https;

  PayaraNode(String id, Path root) throws IOException {
    this.id = id;
    this.lab = null;
    this.host = 0;
    this.httpPort = freePort();
    this.raftPort = freePort();
    this.dir = Files.createDirectories(root.resolve(id));
  }

  /**
   * A node in host {@code host} of {@code lab} (a network namespace of its own), listening on that
   * host's address, web port 3000 and Raft port 7000; the test reaches it over the lab's link from
   * the machine's namespace ({@link NetnsLab#withRootLink()}).
   */
  PayaraNode(String id, Path root, NetnsLab lab, int host) throws IOException {
    this.id = id;
    this.lab = lab;
    this.host = host;
    this.httpPort = 3000;
    this.raftPort = 7000;
    this.dir = Files.createDirectories(root.resolve(id));
  }

  /** The address the node listens on. */
  String address() {
    return lab == null ? "127.0.0.1" : lab.address(host);
  }

  /** The host of the lab it runs in (0 on the machine's own namespace). */
  int host() {
    return host;
  }

  URI url() {
    return URI.create((https ? "https" : "http") + "://" + address() + ":" + httpPort);
  }

  /**
   * From the next start on, the web port listens on every interface, HTTPS only, with the node's
   * certificate of the cluster's CA (what bin/spindle does with SPINDLE_WEB_BIND=0.0.0.0).
   */
  void serveHttpsBeyondLoopback() {
    https = true;
  }

  String peerEntry() {
    return id + "=" + address() + ":" + raftPort + ";" + url();
  }

  void start(String peers, String secret, Map<String, String> extraEnv) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(
        List.of(
            // Full JIT: TLS (AES-GCM) is ten times slower with C1 alone.
            "-Xmx512m", // as bin/spindle runs nodes
            "-XX:+UseParallelGC",
            "-jar",
            System.getProperty("spindle.node.jar"),
            "--deploy",
            System.getProperty("spindle.node.war"),
            "--contextroot",
            "/",
            "--nohazelcast",
            "--disablephonehome",
            "--rootdir",
            freshRootDir().toString()));
    command.addAll(webListener());
    ProcessBuilder builder = new ProcessBuilder(lab == null ? command : lab.inHost(host, command));
    Map<String, String> env = builder.environment();
    env.put("SPINDLE_NODE_ID", id);
    env.put("SPINDLE_DATA_DIR", dir.resolve("data").toString());
    env.put("SPINDLE_RAFT_LISTEN", address() + ":" + raftPort);
    env.put("SPINDLE_HTTP_URL", url().toString());
    env.put("SPINDLE_PEERS", peers);
    env.put("SPINDLE_SECRET", secret);
    env.put("SPINDLE_AUTH_TOKENS_FILE", SystemTokens.file().toString());
    env.putAll(SystemTls.nodeEnv(id));
    env.putAll(extraEnv);
    builder.redirectErrorStream(true);
    builder.redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("node.log").toFile()));
    process = builder.start();
  }

  /**
   * Payara Micro's working directory, new for every start: started again on an old one, it deploys
   * the application it finds there, undeploys it and deploys the WAR again.
   */
  private static final String LISTENERS =
      "configs.config.server-config.network-config.network-listeners.network-listener";

  /**
   * Payara's own MicroProfile Metrics off, as bin/spindle turns it off: the node serves {@code
   * /metrics} itself, in the Prometheus text format.
   */
  private static final String NO_MP_METRICS =
      "set configs.config.server-config.microprofile-metrics-configuration.enabled=false\n";

  /**
   * The web port's options, as bin/spindle gives them: a pre-boot command binding plain HTTP to
   * 127.0.0.1, or HTTPS only on every interface with a keystore of the node's certificate, and
   * turning Payara's MicroProfile Metrics off.
   */
  private List<String> webListener() throws IOException {
    Path preboot = dir.resolve("preboot.txt");
    if (!https) {
      Files.writeString(
          preboot,
          "set " + LISTENERS + ".http-listener.address=" + address() + "\n" + NO_MP_METRICS);
      return List.of(
          "--port", Integer.toString(httpPort), "--prebootcommandfile", preboot.toString());
    }
    Files.writeString(
        preboot,
        "set "
            + LISTENERS
            + ".http-listener.enabled=false\nset "
            + LISTENERS
            + ".https-listener.address=0.0.0.0\n"
            + NO_MP_METRICS);
    return List.of(
        "--sslport",
        Integer.toString(httpPort),
        "--sslcert",
        "spindle",
        "--systemproperties",
        SystemTls.httpsProperties(id).toString(),
        "--prebootcommandfile",
        preboot.toString());
  }

  private Path freshRootDir() throws IOException {
    Path root = dir.resolve("payara-" + (++starts));
    return Files.createDirectories(root);
  }

  /** The next start listens on other free ports, as a node restarted elsewhere would. */
  void moveToNewPorts() throws IOException {
    httpPort = freePort();
    raftPort = freePort();
  }

  boolean isAlive() {
    return process != null && process.isAlive();
  }

  /** Deletes the node's data directory (log, term and vote, snapshots, embedded database). */
  void wipeData() throws IOException {
    Path data = dir.resolve("data");
    if (!Files.exists(data)) {
      return;
    }
    try (java.util.stream.Stream<Path> files = Files.walk(data)) {
      for (Path f : (Iterable<Path>) files.sorted(java.util.Comparator.reverseOrder())::iterator) {
        Files.delete(f);
      }
    }
  }

  /**
   * Waits until the node's {@code /health/ready} answers 200 (deployed, a leader known, its log
   * applied); fails at once if the process exits.
   */
  void awaitReady(HttpClient http, Duration within) throws Exception {
    Instant deadline = Instant.now().plus(within);
    String last = "no answer on " + url().resolve("/health/ready");
    while (Instant.now().isBefore(deadline)) {
      if (!isAlive()) {
        fail(id + " exited; see " + dir.resolve("node.log"));
      }
      try {
        HttpResponse<String> ready =
            http.send(
                HttpRequest.newBuilder(url().resolve("/health/ready"))
                    .timeout(Duration.ofSeconds(5))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
        if (ready.statusCode() == 200) {
          return;
        }
        last = "last readiness " + ready.statusCode() + " " + ready.body();
      } catch (IOException notYet) {
        // Not listening yet.
      }
      Thread.sleep(500); // a poll interval against the deadline above
    }
    fail(id + " not ready within " + within + " (" + last + "); see " + dir.resolve("node.log"));
  }

  /** kill -9: no shutdown hook, no leadership transfer. */
  void kill() throws InterruptedException {
    if (process != null) {
      process.destroyForcibly();
      process.waitFor(30, TimeUnit.SECONDS);
    }
  }

  /**
   * The body of the node's 200 answer to a GET of {@code path} with the test token (5 s at most);
   * empty for any other answer or none.
   */
  Optional<String> apiGet(HttpClient http, String path) {
    try {
      HttpResponse<String> response =
          http.send(
              SystemTokens.request(url().resolve(path)).timeout(Duration.ofSeconds(5)).build(),
              HttpResponse.BodyHandlers.ofString());
      return response.statusCode() == 200 ? Optional.of(response.body()) : Optional.empty();
    } catch (IOException e) {
      return Optional.empty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.empty();
    }
  }

  /** The node's process id (ip netns exec runs Java in its own place). */
  long pid() {
    return process.pid();
  }

  /** SIGSTOP: the process stops on the spot, its sockets open, as in a long GC pause. */
  void pause() throws IOException {
    signal("STOP");
  }

  /** SIGCONT after {@link #pause()}. */
  void resume() throws IOException {
    signal("CONT");
  }

  private void signal(String name) throws IOException {
    if (process != null && process.isAlive()) {
      NetnsLab.run("kill", "-" + name, Long.toString(process.pid()));
    }
  }

  /** Stops the node as SIGTERM does; kill -9 if it has not stopped within 20 s. */
  void close() throws InterruptedException {
    if (process != null && process.isAlive()) {
      try {
        resume(); // a paused process would not act on SIGTERM
      } catch (IOException e) {
        // It exited meanwhile.
      }
      process.destroy();
      if (!process.waitFor(20, TimeUnit.SECONDS)) {
        kill();
      }
    }
  }

  private static int freePort() throws IOException {
    return Ports.tcp();
  }
}
