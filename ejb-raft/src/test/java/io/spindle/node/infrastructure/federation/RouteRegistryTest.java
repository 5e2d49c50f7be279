package io.spindle.node.infrastructure.federation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spindle.protocol.federation.ClusterRoute;
import io.spindle.protocol.federation.FederationSecret;
import io.spindle.raft.Configuration;
import io.spindle.raft.Member;
import io.spindle.raft.NodeId;
import io.spindle.raft.Role;
import io.spindle.raft.server.RaftStatus;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The route registry and publisher against a real redis-server of the test's own. */
class RouteRegistryTest {
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

  private static RouteRegistry registry(String prefix, FederationSecret secret, AtomicLong clock) {
    return new RouteRegistry(
        RedisSettings.plain("127.0.0.1", redis.port(), prefix), secret, clock::get);
  }

  private static String prefix() {
    return "test-" + UUID.randomUUID();
  }

  private static ClusterRoute route(String cluster, long term, String leader, long at, int ttl) {
    return ClusterRoute.newBuilder()
        .setClusterId(cluster)
        .addQueueServers("127.0.0.1:4000")
        .setLeaderId(leader)
        .setTerm(term)
        .setPublishedAtMs(at)
        .setTtlMs(ttl)
        .build();
  }

  @Test
  void aPublishedRouteIsReadBackWithItsAgeAndListedInTheTable() {
    AtomicLong clock = new AtomicLong(1_000_000);
    try (RouteRegistry r = registry(prefix(), SECRET, clock)) {
      assertEquals(Optional.empty(), r.publish(route("B", 3, "n2", clock.get(), 15_000)));
      assertEquals(Optional.empty(), r.publish(route("A", 1, "n1", clock.get(), 15_000)));
      clock.addAndGet(2_500);
      RouteRegistry.RouteEntry b = r.route("B");
      assertEquals("n2", b.route().orElseThrow().getLeaderId());
      assertEquals(2_500, b.ageMs());
      assertEquals(
          List.of("A", "B"), r.routes().stream().map(RouteRegistry.RouteEntry::clusterId).toList());
      assertFalse(r.route("C").known(), "a cluster that never published is unknown");
      r.deleteAll();
    }
  }

  @Test
  void aLowerTermIsFencedOffEvenAfterTheRouteExpired() throws Exception {
    AtomicLong clock = new AtomicLong(System.currentTimeMillis());
    try (RouteRegistry r = registry(prefix(), SECRET, clock)) {
      assertEquals(Optional.empty(), r.publish(route("B", 5, "n1", clock.get(), 15_000)));
      assertEquals(Optional.of(5L), r.publish(route("B", 4, "n3", clock.get(), 15_000)));
      assertEquals("n1", r.route("B").route().orElseThrow().getLeaderId());
      assertEquals(
          Optional.empty(), r.publish(route("B", 5, "n1", clock.get(), 15_000)), "a refresh");
      assertEquals(Optional.empty(), r.publish(route("B", 6, "n2", clock.get(), 1_000)));
      await(() -> r.route("B").route().isEmpty(), Duration.ofSeconds(10));
      clock.addAndGet(43_000);
      assertEquals(Optional.of(6L), r.publish(route("B", 5, "n1", clock.get(), 15_000)));
      RouteRegistry.RouteEntry gone = r.route("B");
      assertTrue(gone.known());
      assertTrue(gone.problem().startsWith("its last route expired 4"), gone.problem());
      r.deleteAll();
    }
  }

  @Test
  void aRouteWithoutTheFederationsSignatureIsIgnored() {
    AtomicLong clock = new AtomicLong(1_000);
    String prefix = prefix();
    FederationSecret stranger =
        new FederationSecret("not-the-federation-secret".getBytes(StandardCharsets.UTF_8));
    try (RouteRegistry ours = registry(prefix, SECRET, clock);
        RouteRegistry theirs = registry(prefix, stranger, clock)) {
      theirs.publish(route("X", 9, "evil", clock.get(), 15_000));
      RouteRegistry.RouteEntry x = ours.route("X");
      assertTrue(x.route().isEmpty());
      assertTrue(x.problem().contains("not signed with this federation's secret"), x.problem());
      ours.deleteAll();
    }
  }

  @Test
  void prefixesKeepFederationsApart() {
    AtomicLong clock = new AtomicLong(1_000);
    try (RouteRegistry one = registry(prefix(), SECRET, clock);
        RouteRegistry two = registry(prefix(), SECRET, clock)) {
      one.publish(route("A", 1, "n1", clock.get(), 15_000));
      assertTrue(two.routes().isEmpty());
      one.deleteAll();
    }
  }

  @Test
  void redisThatIsAwaySaysSoInASentence() {
    try (RouteRegistry r =
        new RouteRegistry(
            RedisSettings.plain("127.0.0.1", freePort(), prefix()), SECRET, () -> 0)) {
      RedisUnavailableException e = assertThrows(RedisUnavailableException.class, r::routes);
      assertTrue(
          e.getMessage().startsWith("Redis at 127.0.0.1:" + "")
              && e.getMessage().contains("is not reachable"),
          e.getMessage());
    }
  }

  @Test
  void theLeaderPublishesAtOnceOnATermChangeAndAFollowerNever() throws Exception {
    AtomicLong clock = new AtomicLong(System.currentTimeMillis());
    AtomicReference<RaftStatus> status = new AtomicReference<>(status("n1", Role.FOLLOWER, 1));
    try (RouteRegistry r = registry(prefix(), SECRET, clock);
        RoutePublisher p =
            new RoutePublisher(
                "A",
                status::get,
                () -> List.of("127.0.0.1:4000"),
                "",
                Duration.ofSeconds(15),
                Duration.ofSeconds(5),
                r,
                clock::get,
                Executors.defaultThreadFactory())) {
      p.tick();
      assertFalse(r.route("A").known(), "a follower publishes nothing");
      status.set(status("n1", Role.LEADER, 2));
      p.tick();
      ClusterRoute first = r.route("A").route().orElseThrow();
      assertEquals(2, first.getTerm());
      assertEquals("n1", first.getLeaderId());
      assertEquals(
          List.of("leader", "voter"),
          first.getMembersList().stream().map(m -> m.getRole()).toList());
      assertEquals("http://127.0.0.1:3000", first.getMembers(0).getHttpUrl());
      // Another node won term 3 and published; this one, deposed without knowing, does not
      // overwrite it.
      r.publish(route("A", 3, "n2", clock.get(), 15_000));
      status.set(status("n1", Role.LEADER, 2));
      clock.addAndGet(6_000);
      p.tick();
      assertEquals("n2", r.route("A").route().orElseThrow().getLeaderId());
      // Leading again in term 4: published at once.
      status.set(status("n1", Role.LEADER, 4));
      p.tick();
      assertEquals(4, r.route("A").route().orElseThrow().getTerm());
      r.deleteAll();
    }
  }

  private static RaftStatus status(String id, Role role, long term) {
    Configuration c =
        Configuration.ofVoters(
            Member.of("n1", "127.0.0.1:7000;http://127.0.0.1:3000"),
            Member.of("n2", "127.0.0.1:7001;http://127.0.0.1:3001"));
    return new RaftStatus(
        NodeId.of(id),
        role,
        term,
        role == Role.LEADER ? Optional.of(NodeId.of(id)) : Optional.empty(),
        1,
        1,
        1,
        c,
        1,
        Map.of(),
        true);
  }

  private static int freePort() {
    try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
      return s.getLocalPort();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static void await(BooleanSupplier condition, Duration within)
      throws InterruptedException {
    long deadline = System.nanoTime() + within.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("not within " + within);
      }
      Thread.onSpinWait();
      java.util.concurrent.locks.LockSupport.parkNanos(20_000_000);
    }
  }
}
