package io.spindle.ear;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The packaged EAR on a real Payara Server Full (Payara Micro cannot deploy an EAR): a fresh domain
 * on free ports, listeners and Hazelcast bound to loopback, the node configured through env vars
 * (MicroProfile Config) as a single-voter cluster on embedded H2 in a fresh data directory. The EAR
 * deploys, the node leads and turns ready, and a file put through REST reads back. The domain is
 * stopped and deleted afterwards, also on failure. {@code SPINDLE_BOOTSTRAP=true} with empty {@code
 * spindle.peers} and {@code spindle.db.url} (the EAR's defaults) make it a single-voter cluster on
 * embedded H2. About 60-70 s, most of it create-domain, start and deploy.
 */
class EarDeploymentIT {
  /** create-domain --portbase offsets this test's domain uses (admin 48, http 80, ...). */
  private static final int[] PORT_OFFSETS = {9, 37, 38, 39, 48, 49, 59, 66, 76, 80, 81, 86};

  private static final Duration CREATE_WITHIN = Duration.ofSeconds(60);
  private static final Duration START_WITHIN = Duration.ofSeconds(90);
  private static final Duration DEPLOY_WITHIN = Duration.ofSeconds(120);
  private static final Duration STOP_WITHIN = Duration.ofSeconds(60);
  private static final Duration READY_WITHIN = Duration.ofSeconds(30);
  private static final String DOMAIN = "spindle-it";

  private static Path payara;
  private static Path work;

  /** The client token of this test's node (issue 13: the API needs one). */
  private static final String TOKEN = io.spindle.protocol.auth.ClientTokens.newToken();

  private static Path domains;
  private static int portBase;
  private static boolean started;

  private final HttpClient http =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();

  @BeforeAll
  static void startDomainAndDeploy() throws Exception {
    payara = Path.of(System.getProperty("spindle.it.payara")).toAbsolutePath();
    Path ear = Path.of(System.getProperty("spindle.it.ear")).toAbsolutePath();
    assertTrue(Files.isRegularFile(ear), "no EAR at " + ear);
    work = payara.getParent().resolve("ear-it");
    domains = work.resolve("domains");
    if (Files.isDirectory(domains.resolve(DOMAIN))) { // an aborted earlier run left it behind
      runQuietly(
          STOP_WITHIN,
          List.of("stop-domain", "--kill=true", "--domaindir", domains.toString(), DOMAIN));
    }
    deleteTree(work);
    Path data = Files.createDirectories(work.resolve("data"));
    Files.createDirectories(domains);

    portBase = freePortBase();
    int raftPort = freePort();
    asadmin(
        CREATE_WITHIN,
        Map.of(),
        "--user",
        "admin",
        "create-domain",
        "--portbase",
        String.valueOf(portBase),
        "--nopassword",
        "--domaindir",
        domains.toString(),
        DOMAIN);
    bindToLoopback(domains.resolve(DOMAIN).resolve("config").resolve("domain.xml"));

    // The client token of this test: its hash goes in the node's tokens file.
    java.nio.file.Path tokens = work.resolve("tokens");
    java.nio.file.Files.writeString(
        tokens,
        io.spindle.protocol.auth.ClientTokens.line(
                TOKEN,
                java.util.EnumSet.allOf(io.spindle.protocol.auth.ClientTokens.Right.class),
                "ear-it")
            + "\n");
    // The server JVM inherits asadmin's environment; MP Config reads SPINDLE_* env vars.
    Map<String, String> env =
        Map.of(
            "SPINDLE_AUTH_TOKENS_FILE",
            tokens.toString(),
            "SPINDLE_NODE_ID",
            "n1",
            "SPINDLE_BOOTSTRAP",
            "true",
            "SPINDLE_SECRET",
            "ear-it-secret-" + Long.toHexString(System.nanoTime()),
            "SPINDLE_DATA_DIR",
            data.toString(),
            "SPINDLE_RAFT_LISTEN",
            "127.0.0.1:" + raftPort,
            "SPINDLE_HTTP_URL",
            "http://127.0.0.1:" + (portBase + 80),
            "SPINDLE_TLS_PLAINTEXT",
            "true");
    started = true; // from here on, @AfterAll stops the domain whatever happens
    asadmin(
        START_WITHIN,
        env,
        "--host",
        "127.0.0.1",
        "--port",
        String.valueOf(portBase + 48),
        "start-domain",
        "--domaindir",
        domains.toString(),
        DOMAIN);
    asadmin(
        DEPLOY_WITHIN,
        Map.of(),
        "--host",
        "127.0.0.1",
        "--port",
        String.valueOf(portBase + 48),
        "deploy",
        "--name",
        "spindle",
        ear.toString());
  }

  @AfterAll
  static void stopAndDeleteDomain() throws Exception {
    try {
      if (started) {
        List<String> stop = List.of("stop-domain", "--domaindir", domains.toString(), DOMAIN);
        if (!runQuietly(STOP_WITHIN, stop)) {
          List<String> kill = new ArrayList<>(stop);
          kill.add(1, "--kill=true");
          runQuietly(STOP_WITHIN, kill);
        }
      }
    } finally {
      if (work != null) {
        deleteTree(work);
      }
    }
  }

  @Test
  void earDeploysAndTheNodeLeadsAndStoresFiles() throws Exception {
    HttpResponse<String> ready = awaitReady();
    assertEquals(200, ready.statusCode(), ready.body());
    assertTrue(ready.body().contains("\"status\":\"UP\""), ready.body());

    HttpResponse<String> cluster = get("/api/cluster");
    assertEquals(200, cluster.statusCode(), cluster.body());
    String json = cluster.body().replace(" ", "");
    assertTrue(json.contains("\"nodeId\":\"n1\""), json);
    assertTrue(json.contains("\"role\":\"LEADER\""), json);
    assertTrue(json.contains("\"leaderId\":\"n1\""), json);
    assertTrue(json.contains("\"httpUrl\":\"http://127.0.0.1:" + (portBase + 80) + "\""), json);

    String content = "hello from the EAR\n".repeat(100);
    HttpResponse<String> put =
        http.send(
            HttpRequest.newBuilder(url("/api/files/it/a.txt"))
                .header("Authorization", "Bearer " + TOKEN)
                .PUT(HttpRequest.BodyPublishers.ofString(content))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertEquals(201, put.statusCode(), put.body());
    assertTrue(put.body().contains("\"size\":" + content.length()), put.body());

    HttpResponse<String> read = get("/api/files/it/a.txt");
    assertEquals(200, read.statusCode(), read.body());
    assertEquals(content, read.body());
  }

  private HttpResponse<String> awaitReady() throws Exception {
    Instant deadline = Instant.now().plus(READY_WITHIN);
    while (true) {
      try {
        HttpResponse<String> response = get("/health/ready");
        if (response.statusCode() == 200 || Instant.now().isAfter(deadline)) {
          return response;
        }
      } catch (IOException e) {
        if (Instant.now().isAfter(deadline)) {
          throw e;
        }
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(200)); // poll interval
    }
  }

  private HttpResponse<String> get(String path) throws Exception {
    return http.send(
        HttpRequest.newBuilder(url(path))
            .timeout(Duration.ofSeconds(10))
            .header("Authorization", "Bearer " + TOKEN)
            .GET()
            .build(),
        HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
  }

  private static URI url(String path) {
    return URI.create("http://127.0.0.1:" + (portBase + 80) + path);
  }

  /**
   * Every listener of the new domain (HTTP, admin, IIOP, JMX) and its Hazelcast member on 127.0.0.1
   * only, never on all interfaces. (Only the JMS proxy listener, at port base + 76 and checked
   * free, still binds to all interfaces: its jms-service settings did not change that.)
   */
  private static void bindToLoopback(Path domainXml) throws IOException {
    String xml = Files.readString(domainXml);
    String loopback =
        xml.replace("address=\"0.0.0.0\"", "address=\"127.0.0.1\"")
            .replaceAll(
                "<network-listener (?![^>]*address=)", "<network-listener address=\"127.0.0.1\" ")
            .replace(
                "<hazelcast-runtime-configuration ",
                "<hazelcast-runtime-configuration interface=\"127.0.0.1\""
                    + " das-bind-address=\"127.0.0.1\" das-public-address=\"127.0.0.1\" ")
            .replace(
                "<jvm-options>-Xmx512m</jvm-options>",
                "<jvm-options>-Xmx512m</jvm-options>"
                    + "<jvm-options>-Dhazelcast.socket.bind.any=false</jvm-options>");
    assertTrue(!loopback.equals(xml), "nothing to bind to loopback in " + domainXml);
    Files.writeString(domainXml, loopback);
  }

  private static void asadmin(Duration within, Map<String, String> env, String... args)
      throws Exception {
    List<String> command = asadminCommand(List.of(args));
    Path log = Files.createTempFile(work, "asadmin-", ".log");
    ProcessBuilder builder =
        new ProcessBuilder(command)
            .directory(work.toFile())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile());
    // No SPINDLE_* of the caller's shell (peers, a database URL) leaks into the server.
    builder.environment().keySet().removeIf(name -> name.startsWith("SPINDLE_"));
    builder.environment().putAll(env);
    builder.environment().put("AS_JAVA", System.getProperty("java.home"));
    long startNanos = System.nanoTime();
    Process process = builder.start();
    boolean exited = process.waitFor(within.toMillis(), TimeUnit.MILLISECONDS);
    if (!exited) {
      process.destroyForcibly();
    }
    String output = Files.readString(log);
    assertTrue(exited, "asadmin " + args[0] + " took over " + within + ":\n" + output);
    assertEquals(0, process.exitValue(), "asadmin " + String.join(" ", args) + ":\n" + output);
    System.out.printf(
        "EarDeploymentIT: asadmin %s took %d ms%n",
        Stream.of(args).filter(arg -> arg.matches("[a-z]+-domain|deploy")).findFirst().orElse("?"),
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos));
  }

  private static boolean runQuietly(Duration within, List<String> args) {
    try {
      Process process =
          new ProcessBuilder(asadminCommand(args))
              .directory(payara.toFile())
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.DISCARD)
              .start();
      if (!process.waitFor(within.toMillis(), TimeUnit.MILLISECONDS)) {
        process.destroyForcibly();
        return false;
      }
      return process.exitValue() == 0;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** asadmin without its shell script (whose executable bit unpacking may not keep). */
  private static List<String> asadminCommand(List<String> args) {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-jar");
    command.add(payara.resolve("glassfish/lib/client/appserver-cli.jar").toString());
    command.add("--interactive=false");
    command.addAll(args);
    return command;
  }

  /** A --portbase whose every port this domain uses is free now (random, above 40000). */
  private static int freePortBase() {
    for (int attempt = 0; attempt < 200; attempt++) {
      int base = 100 * ThreadLocalRandom.current().nextInt(400, 600);
      boolean allFree = true;
      for (int offset : PORT_OFFSETS) {
        allFree &= isFree(base + offset);
      }
      if (allFree) {
        return base;
      }
    }
    throw new IllegalStateException("no free port base between 40000 and 60000");
  }

  private static boolean isFree(int port) {
    try (ServerSocket socket = new ServerSocket()) {
      socket.bind(new InetSocketAddress(InetAddress.getByName("0.0.0.0"), port));
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  private static void deleteTree(Path root) {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(root)) {
      paths
          .sorted(Comparator.reverseOrder())
          .forEach(
              path -> {
                try {
                  Files.deleteIfExists(path);
                } catch (IOException e) {
                  throw new UncheckedIOException(e);
                }
              });
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
