package io.spindle.node.infrastructure.federation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spindle.protocol.federation.ClusterRoute;
import io.spindle.protocol.federation.FederationSecret;
import io.spindle.protocol.queue.ClusterPing;
import io.spindle.protocol.queue.ErrorCode;
import io.spindle.protocol.queue.PingResult;
import io.spindle.raft.Configuration;
import io.spindle.raft.Member;
import io.spindle.raft.NodeId;
import io.spindle.raft.Role;
import io.spindle.raft.server.RaftStatus;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Pings whose other clusters do not answer, against a real Redis: the walk reports each and goes
 * on, an unknown cluster is NOT_FOUND, a silent queue server costs one timeout, Redis away is said.
 */
class GlobalPingTest {
  private static final FederationSecret SECRET =
      new FederationSecret("federation-secret-of-the-tests".getBytes(StandardCharsets.UTF_8));
  private static PrivateRedis redis;

  @BeforeAll
  static void startRedis() throws Exception {
    redis = PrivateRedis.start();
  }

  @AfterAll
  static void stopRedis() throws Exception {
    redis.close();
  }

  @Test
  void theWalkReportsEveryClusterThatDoesNotAnswerAndEndsBackHome() throws Exception {
    String prefix = "test-" + UUID.randomUUID();
    try (RouteRegistry routes =
            new RouteRegistry(
                RedisSettings.plain("127.0.0.1", redis.port(), prefix),
                SECRET,
                System::currentTimeMillis);
        FederationLinks links =
            new FederationLinks("B", "n1", SECRET, Executors.defaultThreadFactory());
        ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      int closed = freePort();
      long now = System.currentTimeMillis();
      routes.publish(route("A", "127.0.0.1:" + closed, now));
      routes.publish(route("B", "127.0.0.1:" + closed, now));
      routes.publish(route("C", "127.0.0.1:" + silent.getLocalPort(), now));
      GlobalPing ping =
          new GlobalPing(
              "B",
              GlobalPingTest::leader,
              URI.create("http://127.0.0.1:1"),
              HttpClient.newHttpClient(),
              routes,
              links);

      PingResult walk = ping.walk(Duration.ofSeconds(1), GlobalPing.DEFAULT_HOP_LIMIT).build();
      assertEquals(
          List.of("C", "A", "B"),
          walk.getClustersList().stream().map(ClusterPing::getClusterId).toList(),
          "a ring ordered by id, starting after B and ending back at B");
      ClusterPing c = walk.getClusters(0);
      assertFalse(c.getAnswered());
      assertTrue(
          c.getError().startsWith("cluster C's queue servers did not answer within 1 s"),
          c.getError());
      ClusterPing a = walk.getClusters(1);
      assertFalse(a.getAnswered());
      assertTrue(a.getError().contains("did not accept a connection"), a.getError());
      assertTrue(walk.getClusters(2).getAnswered(), "home answers with its members");

      PingResult limited = ping.walk(Duration.ofSeconds(1), 1).build();
      assertTrue(
          limited.getClusters(1).getError().contains("hop limit (1)"),
          limited.getClusters(1).getError());

      GlobalPing.PingFailure unknown =
          assertThrows(
              GlobalPing.PingFailure.class, () -> ping.cluster("Q", Duration.ofSeconds(1)));
      assertEquals(ErrorCode.NOT_FOUND, unknown.code());
      assertEquals(
          "no route for cluster Q: no cluster of this federation has that id",
          unknown.getMessage());
      GlobalPing.PingFailure away =
          assertThrows(
              GlobalPing.PingFailure.class, () -> ping.cluster("A", Duration.ofSeconds(1)));
      assertEquals(ErrorCode.UNAVAILABLE, away.code());
      routes.deleteAll();
    }
  }

  @Test
  void withRedisAwayThePingSaysSo() throws Exception {
    int port = freePort();
    try (RouteRegistry routes =
            new RouteRegistry(
                RedisSettings.plain("127.0.0.1", port, "p"), SECRET, System::currentTimeMillis);
        FederationLinks links =
            new FederationLinks("B", "n1", SECRET, Executors.defaultThreadFactory())) {
      GlobalPing ping =
          new GlobalPing(
              "B",
              GlobalPingTest::leader,
              URI.create("http://127.0.0.1:1"),
              HttpClient.newHttpClient(),
              routes,
              links);
      GlobalPing.PingFailure e =
          assertThrows(
              GlobalPing.PingFailure.class, () -> ping.cluster("A", Duration.ofSeconds(1)));
      assertEquals(ErrorCode.UNAVAILABLE, e.code());
      assertTrue(
          e.getMessage().startsWith("Redis at 127.0.0.1:" + port + " is not reachable"),
          e.getMessage());
      assertTrue(
          ping.clusters().build().getError().startsWith("Redis at 127.0.0.1:" + port),
          "the route table says it too");
    }
  }

  private static ClusterRoute route(String id, String server, long now) {
    return ClusterRoute.newBuilder()
        .setClusterId(id)
        .addQueueServers(server)
        .setLeaderId(id.toLowerCase() + "1")
        .setTerm(1)
        .setPublishedAtMs(now)
        .setTtlMs(60_000)
        .build();
  }

  private static RaftStatus leader() {
    NodeId id = NodeId.of("n1");
    return new RaftStatus(
        id,
        Role.LEADER,
        1,
        Optional.of(id),
        1,
        1,
        1,
        Configuration.ofVoters(Member.of("n1", "127.0.0.1:7000;http://127.0.0.1:1")),
        1,
        Map.of(),
        true);
  }

  private static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
