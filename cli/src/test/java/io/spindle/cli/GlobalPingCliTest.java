package io.spindle.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spindle.protocol.federation.RouteMember;
import io.spindle.protocol.queue.ClusterPing;
import io.spindle.protocol.queue.ClustersResult;
import io.spindle.protocol.queue.ErrorCode;
import io.spindle.protocol.queue.Hop;
import io.spindle.protocol.queue.Ping;
import io.spindle.protocol.queue.PingResult;
import io.spindle.protocol.queue.QueueError;
import io.spindle.protocol.queue.Reply;
import io.spindle.protocol.queue.Request;
import io.spindle.protocol.queue.RouteView;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code spindle ping --cluster/--all}, {@code spindle clusters} and {@code spindle bench ping}
 * against a scripted queue server: what the client sends, how it prints the answers, and its exit
 * statuses.
 */
class GlobalPingCliTest {
  private static final Pattern FIRST_LINE =
      Pattern.compile("client -> queue server 127\\.0\\.0\\.1:\\d+: (\\d+\\.\\d\\d) ms");

  private ScriptedQueueServer server;

  record Run(int exit, String out, String err) {
    List<String> lines() {
      return out.lines().toList();
    }
  }

  @BeforeEach
  void start() throws IOException {
    server = new ScriptedQueueServer(GlobalPingCliTest::federation);
  }

  @AfterEach
  void stop() throws IOException {
    server.close();
  }

  private Run spindle(String... args) {
    List<String> all = new ArrayList<>(List.of("--server", server.address()));
    all.addAll(List.of(args));
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int exit =
        SpindleCli.run(
            all.toArray(String[]::new),
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8),
            Map.of("SPINDLE_TOKEN", "spt_test"),
            false);
    return new Run(
        exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  // ---- a federation of three clusters, home, B and C, as the queue server of home answers ----

  private static Hop hop(String kind, String cluster, String name, String address, long rtt) {
    return Hop.newBuilder()
        .setKind(kind)
        .setClusterId(cluster)
        .setName(name)
        .setAddress(address)
        .setRttMicros(rtt)
        .setReached(true)
        .build();
  }

  private static final Hop HOME_QUEUE =
      hop("queue-server", "home", "127.0.0.1:4000", "127.0.0.1:4000", 0);
  private static final Hop HOME_LEADER = hop("leader", "home", "n1", "http://127.0.0.1:3000", 0);
  private static final List<Hop> B_HOPS =
      List.of(
          hop("queue-server", "B", "127.0.0.1:4100", "127.0.0.1:4100", 2100),
          hop("leader", "B", "n1", "http://127.0.0.1:3100", 800),
          Hop.newBuilder()
              .setKind("member")
              .setClusterId("B")
              .setName("n2")
              .setAddress("http://127.0.0.1:3101")
              .setError("connection refused")
              .build());

  private static PingResult walk(boolean cAnswers) {
    ClusterPing.Builder c = ClusterPing.newBuilder().setClusterId("C");
    if (cAnswers) {
      c.setAnswered(true)
          .setRttMicros(4000)
          .addHops(hop("queue-server", "C", "127.0.0.1:4200", "127.0.0.1:4200", 3000))
          .addHops(hop("leader", "C", "n1", "http://127.0.0.1:3200", 1000));
    } else {
      c.setError(
          "cluster C's queue servers did not answer within 5 s (hops so far: n1 of cluster home"
              + " -> 127.0.0.1:4200)");
    }
    return PingResult.newBuilder()
        .addHops(HOME_QUEUE)
        .addHops(HOME_LEADER)
        .addClusters(
            ClusterPing.newBuilder()
                .setClusterId("B")
                .setAnswered(true)
                .setRttMicros(2900)
                .addAllHops(B_HOPS))
        .addClusters(c)
        .addClusters(
            ClusterPing.newBuilder()
                .setClusterId("home")
                .setAnswered(true)
                .setRttMicros(1200)
                .addHops(HOME_LEADER))
        .build();
  }

  private static Reply.Builder error(ErrorCode code, String message) {
    return Reply.newBuilder().setError(QueueError.newBuilder().setCode(code).setMessage(message));
  }

  /** Home's answers: B and home answer, Z is unknown, C does not answer. */
  private static Reply.Builder federation(Request r) {
    if (r.hasClusters()) {
      return Reply.newBuilder().setClusters(routeTable(""));
    }
    Ping p = r.getPing();
    if (p.getAllClusters()) {
      return Reply.newBuilder().setPing(walk(false));
    }
    return switch (p.getTargetCluster()) {
      case "", "home" ->
          Reply.newBuilder()
              .setPing(PingResult.newBuilder().addHops(HOME_QUEUE).addHops(HOME_LEADER));
      case "B" ->
          Reply.newBuilder()
              .setPing(
                  PingResult.newBuilder()
                      .addHops(HOME_QUEUE)
                      .addHops(HOME_LEADER)
                      .addAllHops(B_HOPS));
      case "C" ->
          error(
              ErrorCode.UNAVAILABLE,
              "cluster C's queue servers did not answer within 5 s (hops so far: n1 of cluster"
                  + " home -> 127.0.0.1:4200)");
      default ->
          error(
              ErrorCode.NOT_FOUND,
              "no route for cluster "
                  + p.getTargetCluster()
                  + " (no cluster of the federation has that id)");
    };
  }

  private static ClustersResult routeTable(String error) {
    return ClustersResult.newBuilder()
        .setClusterId("home")
        .setRedis("127.0.0.1:6379")
        .setError(error)
        .addRoutes(
            RouteView.newBuilder()
                .setClusterId("B")
                .setLeaderId("n1")
                .setTerm(3)
                .addMembers(member("n1", "7100", "3100", "leader"))
                .addMembers(member("n2", "7101", "3101", "voter"))
                .addQueueServers("127.0.0.1:4100")
                .setAgeMs(2300)
                .setReachable(true))
        .addRoutes(
            RouteView.newBuilder().setClusterId("C").setProblem("its last route expired 42 s ago"))
        .build();
  }

  private static RouteMember member(String id, String raft, String http, String role) {
    return RouteMember.newBuilder()
        .setNodeId(id)
        .setRaftAddress("127.0.0.1:" + raft)
        .setHttpUrl("http://127.0.0.1:" + http)
        .setRole(role)
        .build();
  }

  private Ping onlyPingSent() {
    assertEquals(1, server.received.size(), "one request: " + server.received);
    return server.received.get(0).getPing();
  }

  // ---- ping ----

  @Test
  void aPingOfAnotherClusterPrintsEveryHopInOrderLikeTraceroute() {
    Run r = spindle("ping", "--cluster", "B", "--timeout-s", "7");

    assertEquals(ExitCode.OK, r.exit(), r.err());
    Ping sent = onlyPingSent();
    assertEquals("B", sent.getTargetCluster());
    assertFalse(sent.getAllClusters());
    assertEquals(7000, sent.getClusterTimeoutMs());
    assertEquals(64, sent.getHopLimit());
    assertEquals(
        Duration.ofSeconds(60 + 7 + 3).toMillis(),
        server.received.get(0).getTimeoutMs(),
        "the client waits --timeout, and the other cluster's timeout with its slack");

    List<String> lines = r.lines();
    assertEquals(6, lines.size(), r.out());
    Matcher first = FIRST_LINE.matcher(lines.get(0));
    assertTrue(first.matches(), lines.get(0));
    assertTrue(
        lines
            .get(1)
            .matches(
                "  queue-server +home +127\\.0\\.0\\.1:4000 +127\\.0\\.0\\.1:4000 +"
                    + Pattern.quote(first.group(1))
                    + " ms"),
        "the queue server's hop has the client's round trip: " + lines.get(1));
    assertTrue(
        lines.get(2).matches("  leader +home +n1 +http://127\\.0\\.0\\.1:3000 +0\\.00 ms"),
        lines.get(2));
    assertTrue(
        lines.get(3).matches("  queue-server +B +127\\.0\\.0\\.1:4100 .* 2\\.10 ms"), lines.get(3));
    assertTrue(
        lines.get(4).matches("  leader +B +n1 +http://127\\.0\\.0\\.1:3100 +0\\.80 ms"),
        lines.get(4));
    assertTrue(
        lines
            .get(5)
            .matches(
                "  member +B +n2 +http://127\\.0\\.0\\.1:3101 +unreachable: connection refused"),
        lines.get(5));
    assertEquals(
        lines.get(3).indexOf("127.0.0.1:4100"),
        lines.get(1).indexOf("127.0.0.1:4000"),
        "columns line up:\n" + r.out());
  }

  @Test
  void thePositionalClusterIsTheSameAsTheOption() {
    assertEquals(ExitCode.OK, spindle("ping", "B").exit());
    assertEquals(ExitCode.OK, spindle("ping", "B", "--cluster", "B").exit());
    assertEquals(2, server.received.size());
    server.received.forEach(r -> assertEquals("B", r.getPing().getTargetCluster()));
  }

  @Test
  void aPingOfThisClusterIsAsBefore() {
    Run r = spindle("ping");

    assertEquals(ExitCode.OK, r.exit(), r.err());
    Ping sent = onlyPingSent();
    assertEquals("", sent.getTargetCluster());
    assertFalse(sent.getAllClusters());
    assertEquals(60_000, server.received.get(0).getTimeoutMs());
    assertEquals(3, r.lines().size(), r.out());
    assertTrue(r.lines().get(2).contains("n1"), r.out());
  }

  @Test
  void jsonKeepsItsKeysAndAddsTheKindAndTheClusters() {
    Run r = spindle("--json", "ping", "B");

    assertEquals(ExitCode.OK, r.exit(), r.err());
    Matcher m =
        Pattern.compile(
                "\\{\"server\":\"127\\.0\\.0\\.1:\\d+\",\"totalMs\":([0-9.E]+),\"hops\":\\["
                    + "\\{\"name\":\"127\\.0\\.0\\.1:4000\",\"address\":\"127\\.0\\.0\\.1:4000\","
                    + "\"clusterId\":\"home\",\"rttMicros\":(\\d+),\"reached\":true,\"error\":\"\","
                    + "\"kind\":\"queue-server\"},.*\\],\"clusters\":\\[\\]}\\s*")
            .matcher(r.out());
    assertTrue(m.matches(), r.out());
    assertEquals(
        Math.round(Double.parseDouble(m.group(1)) * 1000), Long.parseLong(m.group(2)), r.out());
    assertTrue(
        r.out()
            .contains(
                "{\"name\":\"n2\",\"address\":\"http://127.0.0.1:3101\",\"clusterId\":\"B\","
                    + "\"rttMicros\":0,\"reached\":false,\"error\":\"connection refused\","
                    + "\"kind\":\"member\"}"),
        r.out());
  }

  @Test
  void theWalkPrintsEveryClusterInOrderAndIsExitStatus4WhenOneDidNotAnswer() {
    Run r = spindle("ping", "--all", "--max-hops", "3");

    assertEquals(ExitCode.UNAVAILABLE, r.exit(), r.err());
    Ping sent = onlyPingSent();
    assertTrue(sent.getAllClusters());
    assertEquals("", sent.getTargetCluster());
    assertEquals(3, sent.getHopLimit());
    assertEquals(5000, sent.getClusterTimeoutMs());
    assertEquals(
        Duration.ofSeconds(60 + 3 * (5 + 3)).toMillis(), server.received.get(0).getTimeoutMs());

    String out = r.out();
    int b = out.indexOf("\ncluster B: answered in 2.90 ms\n    queue-server");
    int c =
        out.indexOf(
            "\ncluster C: did not answer: cluster C's queue servers did not answer within 5 s");
    int home = out.indexOf("\ncluster home: answered in 1.20 ms\n    leader");
    assertTrue(b > 0 && c > b && home > c, out);
    assertTrue(out.contains("\n    member        B     n2"), out);
    assertTrue(
        r.err().contains("spindle: ping: cluster C did not answer (1 of 3 clusters); cluster C's"),
        r.err());
  }

  @Test
  void aWalkInWhichEveryClusterAnsweredIsExitStatus0WithItsClustersInJson() {
    server.script(req -> Reply.newBuilder().setPing(walk(true)));

    Run r = spindle("--json", "ping", "--all");

    assertEquals(ExitCode.OK, r.exit(), r.err());
    assertTrue(
        r.out()
            .contains(
                "\"clusters\":[{\"clusterId\":\"B\",\"answered\":true,\"error\":\"\","
                    + "\"rttMicros\":2900,\"hops\":[{\"name\":\"127.0.0.1:4100\""),
        r.out());
    assertTrue(
        r.out()
            .contains(
                "{\"clusterId\":\"home\",\"answered\":true,\"error\":\"\",\"rttMicros\":1200,"
                    + "\"hops\":[{\"name\":\"n1\""),
        r.out());
    assertEquals("", r.err());
  }

  @Test
  void anUnknownClusterIsExitStatus3AndOneThatDoesNotAnswerIs4WithoutRetries() {
    Run unknown = spindle("ping", "--cluster", "Z");
    assertEquals(ExitCode.NOT_FOUND, unknown.exit(), unknown.err());
    assertTrue(
        unknown.err().contains("spindle: ping: no route for cluster Z (no cluster of the"),
        unknown.err());
    assertTrue(unknown.err().contains("[NOT_FOUND]"), unknown.err());

    server.received.clear();
    Run silent = spindle("ping", "C");
    assertEquals(ExitCode.UNAVAILABLE, silent.exit(), silent.err());
    assertTrue(
        silent.err().contains("cluster C's queue servers did not answer within 5 s"), silent.err());
    assertEquals(1, server.received.size(), "the cluster's answer is final, not retried");
    assertEquals("", silent.out());
  }

  @Test
  void badArgumentsAreExitStatus2AndNothingIsSent() {
    String[][] bad = {
      {"ping", "--all", "--cluster", "B"},
      {"ping", "B", "--all"},
      {"ping", "B", "--cluster", "C"},
      {"ping", "--cluster", ""},
      {"ping", "--cluster", "a b"},
      {"ping", "--cluster", "a\tb"},
      {"ping", "--cluster", "a\u0001b"},
      {"ping", "--cluster", "a\u00a0b"},
      {"ping", "--cluster", "x".repeat(256)},
      {"ping", "--timeout-s", "0"},
      {"ping", "--cluster", "B", "--timeout-s", "61"},
      {"ping", "--all", "--max-hops", "0"},
      {"ping", "--all", "--max-hops", "65"},
      {"ping", "--all", "--timeout-s", "x"},
    };
    for (String[] args : bad) {
      Run r = spindle(args);
      assertEquals(ExitCode.USAGE, r.exit(), String.join(" ", args) + ": " + r.err());
    }
    assertEquals(List.of(), server.received, "nothing was sent");

    assertTrue(spindle("ping", "--all", "--cluster", "B").err().contains("--all pings every"));
    assertTrue(
        spindle("ping", "--cluster", "a b")
            .err()
            .contains("the cluster id has a space or a control character (U+0020) at character 2"));
    assertTrue(
        spindle("ping", "--cluster", "x".repeat(256))
            .err()
            .contains("the cluster id has 256 characters, more than 255"));
    assertTrue(spindle("ping", "--max-hops", "65").err().contains("--max-hops takes 1 to 64"));
    assertTrue(spindle("ping", "--timeout-s", "61").err().contains("--timeout-s takes 1 to 60"));
  }

  @Test
  void clusterIdsOf255CharactersOfAnyScriptAreSent() {
    String id = "é".repeat(200) + "中".repeat(54) + "\uD83D\uDE00"; // 255 code points
    Run r = spindle("ping", "--cluster", id);

    assertEquals(ExitCode.NOT_FOUND, r.exit(), r.err());
    assertEquals(id, onlyPingSent().getTargetCluster());
  }

  @Test
  void theClientWaitsForEveryClusterThePingMayVisit() {
    Duration base = Duration.ofSeconds(60);
    assertEquals(base, PingCommand.Target.of(null, null, false, 5, 64).wait(base));
    assertEquals(
        Duration.ofSeconds(60 + 60 + 3),
        PingCommand.Target.of("B", null, false, 60, 64).wait(base));
    assertEquals(
        Duration.ofSeconds(60 + 64 * 8), PingCommand.Target.of(null, null, true, 5, 64).wait(base));
    assertEquals(
        Duration.ofSeconds(60 + 64 * 63),
        PingCommand.Target.of(null, null, true, 60, 64).wait(base),
        "the longest walk the client allows for");
  }

  @Test
  void aHopSaysUnreachableOnce() {
    assertEquals(
        "unreachable: Connection refused",
        PingCommand.unreachable("unreachable: Connection refused"),
        "a node's reason that says it already");
    assertEquals("unreachable: connection refused", PingCommand.unreachable("connection refused"));
    assertEquals("unreachable: (no reason given)", PingCommand.unreachable(""));
  }

  // ---- clusters ----

  @Test
  void clustersPrintsTheRouteTable() {
    Run r = spindle("clusters");

    assertEquals(ExitCode.OK, r.exit(), r.err());
    assertTrue(server.received.get(0).hasClusters());
    List<String> lines = r.lines();
    assertEquals(4, lines.size(), r.out());
    assertEquals("routes in Redis at 127.0.0.1:6379, as cluster home reads them", lines.get(0));
    assertTrue(
        lines.get(1).matches("CLUSTER +LEADER +TERM +MEMBERS +QUEUE SERVERS +AGE +REACHABLE"),
        lines.get(1));
    assertTrue(
        lines.get(2).matches("B +n1 +3 +n1:leader,n2:voter +127\\.0\\.0\\.1:4100 +2\\.3 s +yes"),
        lines.get(2));
    assertTrue(
        lines.get(3).matches("C +- +- +- +- +- +no: its last route expired 42 s ago"),
        lines.get(3));
    assertEquals(lines.get(1).indexOf("REACHABLE"), lines.get(2).indexOf("yes"), r.out());
  }

  @Test
  void clustersInJson() {
    server.script(
        req -> Reply.newBuilder().setClusters(routeTable("").toBuilder().removeRoutes(1).build()));

    Run r = spindle("--json", "clusters");

    assertEquals(ExitCode.OK, r.exit(), r.err());
    assertEquals(
        "{\"clusterId\":\"home\",\"redis\":\"127.0.0.1:6379\",\"error\":\"\",\"routes\":["
            + "{\"clusterId\":\"B\",\"leaderId\":\"n1\",\"term\":3,\"members\":["
            + "{\"nodeId\":\"n1\",\"raftAddress\":\"127.0.0.1:7100\","
            + "\"httpUrl\":\"http://127.0.0.1:3100\",\"role\":\"leader\"},"
            + "{\"nodeId\":\"n2\",\"raftAddress\":\"127.0.0.1:7101\","
            + "\"httpUrl\":\"http://127.0.0.1:3101\",\"role\":\"voter\"}],"
            + "\"queueServers\":[\"127.0.0.1:4100\"],\"ageMs\":2300,\"reachable\":true,"
            + "\"problem\":\"\"}]}",
        r.out().strip());
  }

  @Test
  void aRouteTableWithAnErrorIsPrintedAndExitStatus4() {
    server.script(
        req ->
            Reply.newBuilder()
                .setClusters(
                    routeTable("Redis at 127.0.0.1:6379 did not answer within 2 s: read timed out")
                        .toBuilder()
                        .removeRoutes(1)));

    Run r = spindle("clusters");

    assertEquals(ExitCode.UNAVAILABLE, r.exit(), r.err());
    assertEquals(3, r.lines().size(), r.out());
    assertTrue(r.lines().get(2).startsWith("B "), r.out());
    assertEquals(
        "spindle: clusters: Redis at 127.0.0.1:6379 did not answer within 2 s: read timed out",
        r.err().strip());

    server.script(
        req ->
            Reply.newBuilder()
                .setClusters(
                    ClustersResult.newBuilder()
                        .setClusterId("home")
                        .setError(
                            "this cluster has no Redis configured (spindle.redis.host), so it"
                                + " knows no other cluster")));
    Run none = spindle("clusters");
    assertEquals(ExitCode.UNAVAILABLE, none.exit());
    assertEquals("no route table: cluster home reads no Redis", none.out().strip());
    assertTrue(none.err().contains("no Redis configured"), none.err());
  }

  // ---- bench ping ----

  private static final Pattern BENCH_LINE =
      Pattern.compile("(ping\\.(?:cluster|all)\\.(?:p50|p99|ops)) (\\d+\\.\\d) (ms|ops/s)");

  @Test
  void benchPingTimesPingsOfOneClusterAndWalks() {
    server.script(
        req ->
            req.getPing().getAllClusters()
                ? Reply.newBuilder().setPing(walk(true))
                : federation(req));

    Run r =
        spindle(
            "bench",
            "ping",
            "--cluster",
            "B",
            "--count",
            "20",
            "--all-count",
            "5",
            "--warmup",
            "1");

    assertEquals(ExitCode.OK, r.exit(), r.err());
    List<String> names = new ArrayList<>();
    for (String line : r.lines()) {
      Matcher m = BENCH_LINE.matcher(line);
      assertTrue(m.matches(), "not a NAME VALUE UNIT line: " + line);
      assertEquals(m.group(1).endsWith("ops") ? "ops/s" : "ms", m.group(3), line);
      names.add(m.group(1));
    }
    assertEquals(
        List.of(
            "ping.cluster.p50",
            "ping.cluster.p99",
            "ping.cluster.ops",
            "ping.all.p50",
            "ping.all.p99",
            "ping.all.ops"),
        names);
    assertEquals(
        21,
        server.received.stream().filter(q -> q.getPing().getTargetCluster().equals("B")).count());
    assertEquals(6, server.received.stream().filter(q -> q.getPing().getAllClusters()).count());
    assertEquals(
        27,
        new HashSet<>(server.received.stream().map(Request::getRequestId).toList()).size(),
        "every round trip is a new request");
  }

  @Test
  void benchPingEndsAtTheFirstFailureWithItsExitStatus() {
    Run walks = spindle("bench", "ping", "--all-only", "--all-count", "3");
    assertEquals(ExitCode.UNAVAILABLE, walks.exit(), walks.err());
    assertTrue(
        walks.err().contains("bench ping: walk over every cluster (warm-up 1): cluster C did not"),
        walks.err());
    assertEquals("", walks.out());

    Run unknown = spindle("bench", "ping", "--cluster", "Z", "--all-count", "0");
    assertEquals(ExitCode.NOT_FOUND, unknown.exit(), unknown.err());
    assertTrue(unknown.err().contains("no route for cluster Z"), unknown.err());

    server.received.clear();
    Run missing = spindle("bench", "ping");
    assertEquals(ExitCode.USAGE, missing.exit());
    assertTrue(missing.err().contains("bench ping needs --cluster ID"), missing.err());
    assertEquals(ExitCode.USAGE, spindle("bench", "ping", "--cluster", "a b").exit());
    assertEquals(ExitCode.USAGE, spindle("bench", "ping", "--all-only", "--cluster", "B").exit());
    assertEquals(List.of(), server.received, "nothing was sent");
  }
}
