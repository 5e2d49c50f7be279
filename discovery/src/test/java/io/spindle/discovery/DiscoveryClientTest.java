package io.spindle.discovery;

import static io.spindle.discovery.TestNode.EDGES;
import static io.spindle.discovery.TestNode.N1;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spindle.discovery.DatagramAuthenticator.Accepted;
import io.spindle.discovery.DatagramAuthenticator.Signed;
import io.spindle.protocol.discovery.DiscoveryBody;
import io.spindle.testkit.Await;
import io.spindle.testkit.LogCapture;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The client against a scripted discovery server on 127.0.0.1 (unicast only). */
class DiscoveryClientTest {
  private static final EdgeList GENUINE =
      new EdgeList(
          new HostPort("genuine.example", 4000), TestNode.CLUSTER, List.of(), Optional.empty());
  private static final EdgeList FORGED =
      new EdgeList(
          new HostPort("forged.example", 4000), TestNode.CLUSTER, List.of(), Optional.empty());

  private final ExecutorService executor = Executors.newCachedThreadPool();
  private LogCapture log;
  private TestNode fakeServer;

  @BeforeEach
  void start() throws IOException {
    log = LogCapture.start("io.spindle.discovery");
    fakeServer = new TestNode();
  }

  @AfterEach
  void stop() throws InterruptedException {
    executor.shutdownNow();
    assertTrue(executor.awaitTermination(5, TimeUnit.SECONDS), "discoveries stopped");
    fakeServer.close();
    log.close();
    assertFalse(log.anyContains(TestNode.SECRET_TEXT), "the secret must never be logged");
  }

  /** A client announcing only to the fake server, and waiting long between announcements. */
  private DiscoveryClient client(Duration retry) {
    DiscoverySettings settings =
        TestNode.loopbackSettings()
            .multicast(false)
            .unicastTargets(
                List.of(new InetSocketAddress(InetAddress.getLoopbackAddress(), fakeServer.port())))
            .retry(retry, retry)
            .build();
    return new DiscoveryClient(settings, N1);
  }

  /** The fake server reads one request and returns its nonce and where it came from. */
  private Map.Entry<byte[], InetSocketAddress> awaitRequest() throws IOException {
    DatagramPacket packet =
        fakeServer
            .receive(Duration.ofSeconds(5))
            .orElseThrow(() -> new AssertionError("the client announced nothing"));
    Accepted accepted =
        assertInstanceOf(
            Accepted.class,
            fakeServer.authenticator.verify(
                packet.getData(), packet.getLength(), packet.getSocketAddress()));
    assertEquals(DiscoveryBody.MessageCase.ADD_NODE_REQUEST, accepted.body().getMessageCase());
    assertEquals(N1, DiscoveryMessages.request(accepted.body().getAddNodeRequest()));
    return Map.entry(accepted.nonce(), (InetSocketAddress) packet.getSocketAddress());
  }

  @Test
  void refusesForgedEdgeListsAndTakesTheGenuineOne() throws Exception {
    DiscoveryClient client = client(Duration.ofSeconds(10));
    Future<EdgeList> discovery = executor.submit(() -> client.discover(Duration.ofSeconds(20)));
    var request = awaitRequest();
    byte[] nonce = request.getKey();
    InetSocketAddress node = request.getValue();

    try (TestNode stranger = new TestNode(TestNode.WRONG_SECRET, TestNode.CLUSTER)) {
      fakeServer.send(stranger.edgeList(FORGED, nonce).bytes(), node);
    }
    fakeServer.send(fakeServer.edgeList(FORGED, new byte[16]).bytes(), node);
    fakeServer.send(
        fakeServer
            .edgeList(
                new EdgeList(GENUINE.queueServer(), "beta", List.of(), Optional.empty()), nonce)
            .bytes(),
        node);
    fakeServer.send(fakeServer.request(N1).bytes(), node);
    fakeServer.send(fakeServer.edgeList(GENUINE, nonce).bytes(), node);

    assertEquals(GENUINE, discovery.get(10, TimeUnit.SECONDS));
    assertEquals(
        Map.of(
            DropReason.BAD_SIGNATURE, 1L,
            DropReason.UNSOLICITED, 1L,
            DropReason.BAD_BODY, 1L,
            DropReason.UNEXPECTED, 1L),
        client.drops());
    assertEquals(DiscoveryStatus.State.DISCOVERED, client.status().state());
    assertTrue(client.status().description().contains("genuine.example:4000"));
  }

  @Test
  void replayedEdgeListsAreRefused() throws Exception {
    DiscoveryClient client = client(Duration.ofSeconds(10));
    Future<EdgeList> first = executor.submit(() -> client.discover(Duration.ofSeconds(20)));
    var request = awaitRequest();
    Signed recorded = fakeServer.edgeList(EDGES, request.getKey());
    fakeServer.send(recorded.bytes(), request.getValue());
    assertEquals(EDGES, first.get(10, TimeUnit.SECONDS));

    Future<EdgeList> second = executor.submit(() -> client.discover(Duration.ofSeconds(20)));
    request = awaitRequest();
    fakeServer.send(recorded.bytes(), request.getValue());
    fakeServer.send(fakeServer.edgeList(GENUINE, request.getKey()).bytes(), request.getValue());
    assertEquals(GENUINE, second.get(10, TimeUnit.SECONDS));
    assertEquals(Map.of(DropReason.REPLAYED, 1L), client.drops());

    // A client that never saw the reply still refuses it: it answers another node's request.
    DiscoveryClient other = client(Duration.ofSeconds(10));
    Future<EdgeList> third = executor.submit(() -> other.discover(Duration.ofSeconds(20)));
    request = awaitRequest();
    fakeServer.send(recorded.bytes(), request.getValue());
    fakeServer.send(fakeServer.edgeList(GENUINE, request.getKey()).bytes(), request.getValue());
    assertEquals(GENUINE, third.get(10, TimeUnit.SECONDS));
    assertEquals(Map.of(DropReason.UNSOLICITED, 1L), other.drops());
  }

  @Test
  void retriesWithFreshNoncesAndTimesOutSayingWhatItWaitedFor() throws Exception {
    DiscoverySettings settings =
        TestNode.loopbackSettings()
            .multicast(false)
            .unicastTargets(
                List.of(new InetSocketAddress(InetAddress.getLoopbackAddress(), fakeServer.port())))
            .retry(Duration.ofMillis(20), Duration.ofMillis(80))
            .build();
    DiscoveryClient client = new DiscoveryClient(settings, N1);

    DiscoveryTimeoutException e =
        assertThrows(
            DiscoveryTimeoutException.class, () -> client.discover(Duration.ofMillis(600)));

    assertTrue(e.attempts() >= 3, "announced " + e.attempts() + " times in 600 ms");
    assertTrue(e.getMessage().contains("cluster 'alpha'"), e.getMessage());
    assertTrue(e.getMessage().contains("127.0.0.1:" + fakeServer.port()), e.getMessage());
    assertEquals(DiscoveryStatus.State.TIMED_OUT, client.status().state());
    assertEquals(e.attempts(), client.status().attempts());
    Set<String> nonces = new HashSet<>();
    for (int i = 0; i < e.attempts(); i++) {
      nonces.add(HexFormat.of().formatHex(awaitRequest().getKey()));
    }
    assertEquals(e.attempts(), nonces.size(), "every announcement has its own nonce");
    assertTrue(fakeServer.receive(Duration.ofMillis(50)).isEmpty(), "no more than counted");
  }

  @Test
  void keepsAnnouncingUntilTheServerStarts() throws Exception {
    int port;
    try (DatagramSocket probe = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
      port = probe.getLocalPort();
    }
    DiscoverySettings settings =
        TestNode.loopbackSettings()
            .port(port)
            .multicast(false)
            .retry(Duration.ofMillis(20), Duration.ofMillis(100))
            .build();
    DiscoveryClient client = new DiscoveryClient(settings, N1);
    assertEquals(DiscoveryStatus.State.NOT_STARTED, client.status().state());
    Future<EdgeList> discovery = executor.submit(() -> client.discover(Duration.ofSeconds(20)));

    Await.until(
        Duration.ofSeconds(5),
        () -> client.status().attempts() >= 2,
        () -> "a second announcement: " + client.status());
    DiscoveryStatus waiting = client.status();
    assertEquals(DiscoveryStatus.State.WAITING, waiting.state());
    assertTrue(
        waiting.description().startsWith("waiting for an edge list from the discovery server"),
        waiting.description());
    assertTrue(waiting.description().contains("127.0.0.1:" + port), waiting.description());
    assertTrue(log.anyContains("waiting for an edge list"), "what it waits for is logged");

    try (DiscoveryServer server =
        DiscoveryServer.start(settings.toBuilder().build(), () -> EDGES, (r, s) -> {})) {
      assertEquals(EDGES, discovery.get(10, TimeUnit.SECONDS));
    }
    assertEquals(DiscoveryStatus.State.DISCOVERED, client.status().state());
  }

  @Test
  void interruptStopsDiscovery() throws Exception {
    DiscoveryClient client = client(Duration.ofSeconds(10));
    Future<EdgeList> discovery = executor.submit(() -> client.discover(Duration.ofSeconds(20)));
    awaitRequest();

    discovery.cancel(true);

    Await.until(
        Duration.ofSeconds(5),
        () -> client.status().state() == DiscoveryStatus.State.FAILED,
        () -> "the interrupted discovery reports it: " + client.status());
    assertTrue(client.status().description().contains("interrupted"));
  }

  @Test
  void settingsWithNowhereToAnnounceAreRejected() {
    DiscoverySettings nowhere =
        TestNode.loopbackSettings().multicast(false).unicastTargets(List.of()).build();

    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> new DiscoveryClient(nowhere, N1));
    assertTrue(e.getMessage().contains("nowhere to announce"), e.getMessage());
  }
}
