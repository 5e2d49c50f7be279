package io.spindle.system;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.spindle.testkit.Await;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A release that runs without Maven: {@code bin/spindle dist} of this checkout writes the tarball,
 * which is unpacked into a temporary folder; the release's own {@code bin/spindle up 1} starts a
 * one-node cluster there (its run directory in the temporary folder, every port shifted by a free
 * offset) with a PATH on which {@code mvn} is a shim that records being called and fails. The node
 * answers {@code /health/ready}, a file written through the release's client reads back the same,
 * {@code down} stops the node and the queue server, and the shim was never called.
 */
class DistSystemTest {
  private static final Duration DIST = Duration.ofMinutes(10);
  private static final Duration UP = Duration.ofSeconds(240);
  private static final Duration CLIENT = Duration.ofSeconds(120);

  @TempDir Path tmp;
  private Path runDir;

  /** A finished run of a command: its exit status and everything it printed. */
  private record Run(int exit, String output) {}

  @AfterEach
  void killWhatIsLeft() throws IOException {
    // After a failure part way: the processes 'up' started, by the ids it recorded.
    if (runDir == null || !Files.isDirectory(runDir.resolve("pids"))) {
      return;
    }
    try (Stream<Path> pids = Files.list(runDir.resolve("pids"))) {
      for (Path f : pids.toList()) {
        pid(f)
            .flatMap(ProcessHandle::of)
            .ifPresent(
                p -> {
                  p.destroyForcibly();
                  p.onExit().orTimeout(30, TimeUnit.SECONDS).join();
                });
      }
    }
  }

  @Test
  void theUnpackedTarballStartsAReadyClusterWithoutMaven() throws Exception {
    Path checkout = Path.of(System.getProperty("spindle.checkout.dir")).toRealPath();
    String version = System.getProperty("spindle.version");
    String top = "spindle-" + version;

    // The checkout's own bin/spindle makes the tarball (building only what is stale).
    Path out = tmp.resolve("out");
    Run dist =
        run(checkout, Map.of(), DIST, checkout.resolve("bin/spindle").toString(), "dist", "" + out);
    assertEquals(0, dist.exit(), dist.output());
    Path tarball = out.resolve(top + ".tar.gz");
    assertTrue(Files.isRegularFile(tarball), dist.output());
    assertTrue(dist.output().contains("wrote " + tarball), dist.output());

    // One top folder with the script, the runnable artifacts and the README, sorted; no sources.
    Run listing = run(tmp, Map.of(), CLIENT, "tar", "tzf", tarball.toString());
    assertEquals(0, listing.exit(), listing.output());
    assertEquals(
        List.of(
            top + "/",
            top + "/README.md",
            top + "/bin/",
            top + "/bin/spindle",
            top + "/lib/",
            top + "/lib/cli.jar",
            top + "/lib/payara-micro.jar",
            top + "/lib/queue-server.jar",
            top + "/lib/web.war"),
        listing.output().lines().toList());

    Path unpacked = Files.createDirectories(tmp.resolve("unpacked"));
    Run untar = run(tmp, Map.of(), CLIENT, "tar", "xzf", tarball.toString(), "-C", "" + unpacked);
    assertEquals(0, untar.exit(), untar.output());
    Path release = unpacked.resolve(top);
    String spindle = release.resolve("bin/spindle").toString();
    assertTrue(Files.isExecutable(release.resolve("bin/spindle")));

    // Maven on the PATH only as a shim that says it was called, and fails.
    Path shimDir = Files.createDirectories(tmp.resolve("shim"));
    Path mvnCalls = tmp.resolve("mvn-calls");
    Path shim = shimDir.resolve("mvn");
    Files.writeString(shim, "#!/bin/sh\necho \"mvn $*\" >> '" + mvnCalls + "'\nexit 97\n");
    Files.setPosixFilePermissions(shim, PosixFilePermissions.fromString("rwxr-xr-x"));

    Map<String, String> env = new HashMap<>();
    env.put(
        "PATH", shimDir + ":" + Path.of(System.getProperty("java.home"), "bin") + ":/usr/bin:/bin");
    // The shim is the mvn this PATH finds, and a call to it would be seen.
    assertEquals(97, run(tmp, env, CLIENT, "sh", "-c", "mvn -v").exit());
    assertTrue(read(mvnCalls).contains("mvn -v"), "the shim records its calls");
    Files.delete(mvnCalls);

    int offset = freePortOffset();
    String cluster = "dist-" + ProcessHandle.current().pid();
    runDir = tmp.resolve("run");
    env.put("SPINDLE_RUN_DIR", runDir.toString());
    env.put("SPINDLE_SERVERS", "127.0.0.1:" + (4000 + offset));
    // No Redis answers there: this cluster joins no federation another test or user runs.
    env.put("SPINDLE_REDIS_PORT", Integer.toString(closedPort()));

    Run up =
        run(tmp, env, UP, spindle, "up", "1", "--cluster", cluster, "--port-offset", "" + offset);
    assertEquals(0, up.exit(), up.output());
    assertTrue(up.output().contains("n1  http://127.0.0.1:" + (3000 + offset)), up.output());
    assertFalse(Files.exists(mvnCalls), () -> "the release called mvn: " + read(mvnCalls));
    assertTrue(Files.isRegularFile(runDir.resolve("pids/n1.pid")), "the run dir is the one given");

    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    HttpResponse<String> ready =
        http.send(
            HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + (3000 + offset) + "/health/ready"))
                .timeout(Duration.ofSeconds(10))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertEquals(200, ready.statusCode(), ready.body());

    // Through the release's client, with file names relative to the caller's directory.
    byte[] content = new byte[300 * 1024];
    new SplittableRandom(16).nextBytes(content);
    Files.write(tmp.resolve("in.bin"), content);
    Run write = run(tmp, env, CLIENT, spindle, "write", "in.bin", "--name", "dist/in.bin");
    assertEquals(0, write.exit(), write.output());
    Run readBack = run(tmp, env, CLIENT, spindle, "read", "dist/in.bin", "-o", "back.bin");
    assertEquals(0, readBack.exit(), readBack.output());
    assertArrayEquals(content, Files.readAllBytes(tmp.resolve("back.bin")));

    // What needs the checkout says so instead of calling Maven.
    Run test = run(tmp, env, CLIENT, spindle, "test");
    assertEquals(64, test.exit(), test.output());
    assertTrue(test.output().contains("needs the source checkout"), test.output());

    List<ProcessHandle> servers = new ArrayList<>();
    for (String name : List.of("n1.pid", "queue-server.pid")) {
      servers.add(
          pid(runDir.resolve("pids").resolve(name)).flatMap(ProcessHandle::of).orElseThrow());
    }
    Run down = run(tmp, env, CLIENT, spindle, "down", "--cluster", cluster);
    assertEquals(0, down.exit(), down.output());
    Await.until(
        Duration.ofSeconds(60),
        () -> servers.stream().noneMatch(ProcessHandle::isAlive),
        () -> "the node and the queue server stop after down: " + down.output());
    assertFalse(Files.exists(mvnCalls), () -> "the release called mvn: " + read(mvnCalls));
  }

  /**
   * Runs {@code command} in {@code dir} with {@code env} added, its output in a file under the
   * temporary folder; fails the test if it takes longer than {@code limit}.
   */
  private Run run(Path dir, Map<String, String> env, Duration limit, String... command)
      throws IOException, InterruptedException {
    Path log = Files.createTempFile(tmp, "run-", ".log");
    ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile());
    builder.environment().putAll(env);
    builder.redirectErrorStream(true).redirectOutput(log.toFile());
    Process process = builder.start();
    if (!process.waitFor(limit.toSeconds(), TimeUnit.SECONDS)) {
      process.destroyForcibly();
      process.waitFor(30, TimeUnit.SECONDS);
      fail(String.join(" ", command) + " took longer than " + limit + ":\n" + read(log));
    }
    return new Run(process.exitValue(), read(log));
  }

  private static String read(Path file) {
    try {
      return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
    } catch (IOException e) {
      return "(cannot read " + file + ": " + e + ")";
    }
  }

  private static Optional<Long> pid(Path file) {
    try {
      return Optional.of(Long.parseLong(Files.readString(file).trim()));
    } catch (IOException | NumberFormatException e) {
      return Optional.empty();
    }
  }

  /**
   * A port offset K under which every port bin/spindle gives a one-node cluster is free now: TCP
   * 3000+K (web), 4000+K (queue server), 7000+K (Raft), UDP 8888+K and 10000+K (discovery). K stays
   * below the kernel's ephemeral range (32768 and up), so no outgoing connection takes them later.
   */
  private static int freePortOffset() {
    SplittableRandom random = new SplittableRandom();
    for (int attempt = 0; attempt < 200; attempt++) {
      int k = 11_000 + random.nextInt(11_000);
      if (Ports.tcpFree(3000 + k)
          && Ports.tcpFree(4000 + k)
          && Ports.tcpFree(7000 + k)
          && Ports.udpFree(8888 + k)
          && Ports.udpFree(10000 + k)) {
        return k;
      }
    }
    throw new IllegalStateException("no free port offset found in 200 tries");
  }

  /** A TCP port nothing listens on (one the kernel just handed out and took back). */
  private static int closedPort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }
}
