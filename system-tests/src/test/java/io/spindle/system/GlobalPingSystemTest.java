package io.spindle.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.google.protobuf.ByteString;
import io.spindle.protocol.federation.ClusterRoute;
import io.spindle.protocol.federation.SignedRoute;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Three clusters (A and C of one node, B of three) of one federation, each with its queue server,
 * publish their routes to a Redis of the test's own; pings cross between every pair and walk all
 * three; B's leader is killed and B's route follows its new leader; Redis is stopped (the clusters'
 * own work goes on, the global ping says Redis is away) and started again (the routes come back); a
 * route written without the federation secret is ignored.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class GlobalPingSystemTest {
  private static final Duration STARTUP = Duration.ofSeconds(300);
  private static final Duration ROUTE_WAIT = Duration.ofSeconds(60);
  private static final Pattern ROUTE =
      Pattern.compile(
          "\\{\"clusterId\":\"([^\"]+)\",\"leaderId\":\"([^\"]*)\",\"term\":([0-9]+),.*?\"reachable\":(true|false)");

  private final HttpClient http = SystemTls.httpClient();
  private final NodeSchemas schemas = new NodeSchemas();
  private final String federationSecret = "federation-of-the-system-test-" + System.nanoTime();
  private final String prefix = "spindle-test-" + System.nanoTime();
  private final Map<String, Cluster> clusters = new LinkedHashMap<>();
  private Path root;
  private Redis redis;

  @BeforeAll
  void startClusters() throws Exception {
    root = Path.of(System.getProperty("spindle.system.dir"), "federation-" + System.nanoTime());
    Files.createDirectories(root);
    redis = Redis.start(root.resolve("redis"));
    clusters.put("A", new Cluster("A", 1));
    clusters.put("B", new Cluster("B", 3));
    clusters.put("C", new Cluster("C", 1));
    for (Cluster c : clusters.values()) {
      c.start();
    }
    for (Cluster c : clusters.values()) {
      for (PayaraNode n : c.nodes) {
        n.awaitReady(http, STARTUP);
      }
    }
  }

  @AfterAll
  void stopClusters() throws Exception {
    for (Cluster c : clusters.values()) {
      c.close();
    }
    schemas.dropAll();
    if (redis != null) {
      redis.close();
    }
  }

  @Test
  @Order(1)
  void everyClusterSeesTheOthersRoutes() throws Exception {
    for (Cluster c : clusters.values()) {
      awaitRoutes(c, t -> t.size() == 3 && t.values().stream().allMatch(Route::reachable));
    }
  }

  @Test
  @Order(2)
  void pingsCrossBetweenEveryPairAndWalkAllThree() throws Exception {
    for (Cluster from : clusters.values()) {
      for (Cluster to : clusters.values()) {
        String out = Cli.ok(from.cli.run("--json", "ping", "--cluster", to.id));
        for (PayaraNode n : to.nodes) {
          assertTrue(
              out.contains("\"name\":\"" + n.id + "\""), from.id + " -> " + to.id + ": " + out);
        }
        assertTrue(!out.contains("\"reached\":false"), from.id + " -> " + to.id + ": " + out);
        if (from != to) {
          assertTrue(out.contains("\"kind\":\"queue-server\""), out);
        }
      }
      Cli.Run all = from.cli.run("--json", "ping", "--all");
      assertEquals(0, all.exit(), all.output());
      List<String> order = new ArrayList<>();
      Matcher m =
          Pattern.compile("\\{\"clusterId\":\"([ABC])\",\"answered\":true").matcher(all.output());
      while (m.find()) {
        order.add(m.group(1));
      }
      List<String> expected =
          switch (from.id) {
            case "A" -> List.of("B", "C", "A");
            case "B" -> List.of("C", "A", "B");
            default -> List.of("A", "B", "C");
          };
      assertEquals(expected, order, all.output());
      for (Cluster c : clusters.values()) {
        for (PayaraNode n : c.nodes) {
          assertTrue(all.output().contains("\"name\":\"" + n.id + "\""), all.output());
        }
      }
    }
    Cli.Run unknown = clusters.get("A").cli.run("ping", "--cluster", "Q");
    assertEquals(3, unknown.exit(), unknown.output());
    assertTrue(unknown.output().contains("no route for cluster Q"), unknown.output());
  }

  @Test
  @Order(3)
  void bsRouteFollowsItsNewLeaderAndTheOldOneDoesNotOverwriteIt() throws Exception {
    Cluster a = clusters.get("A");
    Cluster b = clusters.get("B");
    Route before = awaitRoutes(a, t -> t.containsKey("B") && t.get("B").reachable()).get("B");
    PayaraNode leader = b.node(before.leader());
    leader.kill();
    Route after =
        awaitRoutes(
                a,
                t ->
                    t.containsKey("B")
                        && !t.get("B").leader().equals(before.leader())
                        && t.get("B").term() > before.term())
            .get("B");
    Cli.Run ping = a.cli.run("--json", "ping", "--cluster", "B");
    assertEquals(0, ping.exit(), ping.output());
    assertTrue(ping.output().contains("\"name\":\"" + after.leader() + "\""), ping.output());
    b.restart(leader);
    leader.awaitReady(http, STARTUP);
    // Several refreshes later the route still names a leader of B at least as new.
    Instant until = Instant.now().plus(Duration.ofSeconds(5));
    while (Instant.now().isBefore(until)) {
      Route now = routes(a).get("B");
      assertTrue(now != null && now.term() >= after.term(), "B's route went back: " + now);
      if (now.term() == after.term()) {
        assertEquals(after.leader(), now.leader());
      }
    }
  }

  @Test
  @Order(4)
  void withoutRedisEveryClusterWorksAndTheGlobalPingSaysWhy() throws Exception {
    Cluster a = clusters.get("A");
    redis.stop();
    try {
      Path file = root.resolve("local.txt");
      Files.writeString(file, "one two three\nfour five\n");
      for (Cluster c : clusters.values()) {
        String name = "local/" + c.id + ".txt";
        Path back = root.resolve("back-" + c.id);
        Cli.ok(c.cli.run("write", file.toString(), "--name", name));
        Cli.ok(c.cli.run("read", name, "-o", back.toString()));
        assertEquals(Files.readString(file), Files.readString(back));
        String count = Cli.ok(c.cli.run("--json", "count", name));
        assertTrue(count.contains("\"words\":5"), count);
      }
      Instant started = Instant.now();
      Cli.Run ping = a.cli.run("ping", "--cluster", "B");
      assertEquals(4, ping.exit(), ping.output());
      assertTrue(
          ping.output().contains("Redis at 127.0.0.1:" + redis.port + " is not reachable"),
          ping.output());
      assertTrue(
          Duration.between(started, Instant.now()).compareTo(Duration.ofSeconds(30)) < 0,
          "the ping took " + Duration.between(started, Instant.now()));
    } finally {
      redis.startAgain();
    }
    awaitRoutes(a, t -> t.size() == 3 && t.values().stream().allMatch(Route::reachable));
    Cli.ok(a.cli.run("ping", "--cluster", "B"));
  }

  @Test
  @Order(5)
  void aRouteWithoutTheFederationSecretIsIgnored() throws Exception {
    Cluster a = clusters.get("A");
    ClusterRoute forged =
        ClusterRoute.newBuilder()
            .setClusterId("Z")
            .addQueueServers("127.0.0.1:" + a.queuePort)
            .setLeaderId("z1")
            .setTerm(1)
            .setPublishedAtMs(System.currentTimeMillis())
            .setTtlMs(60_000)
            .build();
    byte[] signed =
        SignedRoute.newBuilder()
            .setRoute(forged.toByteString())
            .setSignature(ByteString.copyFrom(new byte[32]))
            .build()
            .toByteArray();
    redis.command("SET", bytes(prefix + ":route:Z"), signed);
    redis.command("SADD", bytes(prefix + ":clusters"), bytes("Z"));
    Map<String, Route> table = routes(a);
    assertTrue(table.containsKey("Z"), table.toString());
    assertTrue(!table.get("Z").reachable(), table.toString());
    Cli.Run ping = a.cli.run("ping", "--cluster", "Z");
    assertEquals(4, ping.exit(), ping.output());
    assertTrue(ping.output().contains("not signed with this federation's secret"), ping.output());
  }

  // ---------------------------------------------------------------- helpers

  private Map<String, Route> awaitRoutes(Cluster c, Predicate<Map<String, Route>> condition)
      throws Exception {
    Instant deadline = Instant.now().plus(ROUTE_WAIT);
    Map<String, Route> last = Map.of();
    while (Instant.now().isBefore(deadline)) {
      last = routes(c);
      if (condition.test(last)) {
        return last;
      }
    }
    fail("cluster " + c.id + "'s route table did not get there within " + ROUTE_WAIT + ": " + last);
    return last;
  }

  private static Map<String, Route> routes(Cluster c) throws Exception {
    Cli.Run run = c.cli.run("--json", "clusters");
    Map<String, Route> table = new HashMap<>();
    Matcher m = ROUTE.matcher(run.output());
    while (m.find()) {
      table.put(
          m.group(1),
          new Route(m.group(2), Long.parseLong(m.group(3)), Boolean.parseBoolean(m.group(4))));
    }
    return table;
  }

  private record Route(String leader, long term, boolean reachable) {}

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /** One cluster: its queue server and nodes (static peers, no discovery). */
  private final class Cluster {
    final String id;
    final List<PayaraNode> nodes = new ArrayList<>();
    final String secret = "cluster-secret-" + System.nanoTime() + "-0123456789";
    final int queuePort;
    final Cli cli;
    final Path dir;
    JavaProcess queueServer;
    String peers;

    Cluster(String id, int size) throws IOException {
      this.id = id;
      this.dir = Files.createDirectories(root.resolve("cluster-" + id));
      queuePort = Ports.tcp();
      cli = new Cli(queuePort, dir);
      for (int i = 1; i <= size; i++) {
        nodes.add(new PayaraNode(id.toLowerCase() + i, dir));
      }
      peers = nodes.stream().map(PayaraNode::peerEntry).collect(Collectors.joining(","));
    }

    void start() throws Exception {
      queueServer =
          JavaProcess.queueServer(
              queuePort,
              dir,
              secret,
              dir.resolve("queue-server.log"),
              Map.of("SPINDLE_FEDERATION_SECRET", federationSecret),
              "--cluster-id",
              id,
              "--discovery",
              "off");
      for (PayaraNode n : nodes) {
        startNode(n);
      }
    }

    void startNode(PayaraNode n) throws Exception {
      Map<String, String> env = new HashMap<>(schemas.environment(n.id));
      env.put("SPINDLE_CLUSTER_ID", id);
      env.put("SPINDLE_QUEUE_SERVERS", "127.0.0.1:" + queuePort);
      env.put("SPINDLE_REDIS_HOST", "127.0.0.1");
      env.put("SPINDLE_REDIS_PORT", Integer.toString(redis.port));
      env.put("SPINDLE_REDIS_PREFIX", prefix);
      env.put("SPINDLE_FEDERATION_SECRET", federationSecret);
      env.put("SPINDLE_ROUTES_TTL_MS", "6000");
      env.put("SPINDLE_ROUTES_REFRESH_MS", "1000");
      n.start(peers, secret, env);
    }

    void restart(PayaraNode n) throws Exception {
      startNode(n);
    }

    PayaraNode node(String nodeId) {
      return nodes.stream()
          .filter(n -> n.id.equals(nodeId))
          .findFirst()
          .orElseThrow(() -> new AssertionError("cluster " + id + " has no node " + nodeId));
    }

    void close() throws InterruptedException {
      for (PayaraNode n : nodes) {
        n.close();
      }
      if (queueServer != null) {
        queueServer.kill();
      }
    }
  }

  /** A redis-server of the test's own on a free loopback port, keeping nothing on disk. */
  private static final class Redis implements AutoCloseable {
    final int port;
    final Path dir;
    Process process;

    private Redis(int port, Path dir) {
      this.port = port;
      this.dir = dir;
    }

    static Redis start(Path dir) throws Exception {
      Files.createDirectories(dir);
      int port = Ports.tcp();
      Redis r = new Redis(port, dir);
      r.startAgain();
      return r;
    }

    void startAgain() throws Exception {
      process =
          new ProcessBuilder(
                  "redis-server",
                  "--bind",
                  "127.0.0.1",
                  "--port",
                  Integer.toString(port),
                  "--save",
                  "",
                  "--appendonly",
                  "no",
                  "--dir",
                  dir.toString())
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("redis.log").toFile()))
              .start();
      Instant deadline = Instant.now().plus(Duration.ofSeconds(10));
      while (true) {
        try {
          command("PING");
          return;
        } catch (IOException notYet) {
          if (!process.isAlive() || Instant.now().isAfter(deadline)) {
            throw new IOException("redis-server did not start on " + port, notYet);
          }
          process.waitFor(50, java.util.concurrent.TimeUnit.MILLISECONDS);
        }
      }
    }

    void stop() throws InterruptedException {
      process.destroyForcibly();
      process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS);
    }

    /** Sends one command (RESP) and reads the first line of its answer. */
    String command(Object... parts) throws IOException {
      try (Socket s = new Socket("127.0.0.1", port)) {
        s.setSoTimeout(5_000);
        OutputStream out = s.getOutputStream();
        out.write(bytes("*" + parts.length + "\r\n"));
        for (Object p : parts) {
          byte[] b = p instanceof byte[] raw ? raw : bytes(p.toString());
          out.write(bytes("$" + b.length + "\r\n"));
          out.write(b);
          out.write(bytes("\r\n"));
        }
        out.flush();
        InputStream in = s.getInputStream();
        StringBuilder line = new StringBuilder();
        int c;
        while ((c = in.read()) != -1 && c != '\n') {
          line.append((char) c);
        }
        return line.toString().strip();
      }
    }

    @Override
    public void close() throws InterruptedException {
      stop();
    }
  }
}
