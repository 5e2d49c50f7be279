package io.spindle.discovery;

import static io.spindle.discovery.TestNode.EDGES;
import static io.spindle.discovery.TestNode.N1;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spindle.testkit.Await;
import io.spindle.testkit.LogCapture;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Loopback discovery end to end, in this machine's own network namespace: a real server and a real
 * client in LOOPBACK mode, over multicast out of the loopback interface with TTL 0 and over unicast
 * to 127.0.0.1. Nothing is broadcast and nothing can leave the machine (see {@link
 * DiscoverySettings}: LOOPBACK refuses anything else). Ports are the free ones the server picks.
 */
class LoopbackDiscoveryTest {
  private final List<AddNodeRequest> announced = new CopyOnWriteArrayList<>();
  private LogCapture log;
  private DiscoveryServer server;

  @BeforeEach
  void start() throws IOException {
    log = LogCapture.start("io.spindle.discovery");
    server =
        DiscoveryServer.start(
            TestNode.loopbackSettings().port(0).multicastPort(0).build(),
            () -> EDGES,
            (request, source) -> {
              assertTrue(source.getAddress().isLoopbackAddress(), source.toString());
              announced.add(request);
            });
  }

  @AfterEach
  void stop() {
    server.close();
    log.close();
    assertFalse(log.anyContains(TestNode.SECRET_TEXT), "the secret must never be logged");
  }

  /** Client settings aimed at the running server's ports. */
  private DiscoverySettings.Builder clientSettings() {
    InetSocketAddress group = server.multicastAddress().orElseThrow();
    assertEquals(TestNode.loopbackSettings().build().multicastGroup(), group.getAddress());
    return TestNode.loopbackSettings()
        .port(server.unicastAddress().getPort())
        .multicastPort(group.getPort())
        .retry(Duration.ofMillis(50), Duration.ofMillis(200));
  }

  /** The listener hears of a node just after its answer is sent, so it may trail the client. */
  private void awaitAnnounced(String what) {
    Await.until(Duration.ofSeconds(5), () -> announced.contains(N1), () -> what);
  }

  @Test
  void discoversOverLoopbackMulticastAlone() throws Exception {
    DiscoveryClient client =
        new DiscoveryClient(clientSettings().unicastTargets(List.of()).build(), N1);

    assertEquals(EDGES, client.discover(Duration.ofSeconds(10)));
    awaitAnnounced("the server heard the node by multicast");
  }

  @Test
  void discoversOverUnicastToLoopbackAlone() throws Exception {
    DiscoveryClient client = new DiscoveryClient(clientSettings().multicast(false).build(), N1);

    assertEquals(EDGES, client.discover(Duration.ofSeconds(10)));
    awaitAnnounced("the server heard the node by unicast");
  }

  @Test
  void discoversWithTheLoopbackDefaults() throws Exception {
    DiscoveryClient client = new DiscoveryClient(clientSettings().build(), N1);

    assertEquals(EDGES, client.discover(Duration.ofSeconds(10)));
    assertEquals(DiscoveryStatus.State.DISCOVERED, client.status().state());
    assertTrue(client.status().description().contains("leader n0"), client.status().toString());
  }

  @Test
  void nodeWithoutTheSecretIsRefused() throws Exception {
    DiscoverySettings stranger =
        DiscoverySettings.builder(TestNode.CLUSTER, TestNode.WRONG_SECRET)
            .loopback()
            .port(server.unicastAddress().getPort())
            .multicastPort(server.multicastAddress().orElseThrow().getPort())
            .retry(Duration.ofMillis(50), Duration.ofMillis(100))
            .build();
    DiscoveryClient client = new DiscoveryClient(stranger, N1);

    assertThrows(DiscoveryTimeoutException.class, () -> client.discover(Duration.ofMillis(500)));

    Await.until(
        Duration.ofSeconds(5),
        () -> server.drops().getOrDefault(DropReason.BAD_SIGNATURE, 0L) >= 2,
        () -> "the server refused the stranger's announcements: " + server.drops());
    assertEquals(0, server.answered());
    assertTrue(announced.isEmpty());
    assertTrue(
        log.anyContains("the HMAC does not verify"), "the refusal is logged with its reason");
  }
}
