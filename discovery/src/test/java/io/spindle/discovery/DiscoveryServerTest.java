package io.spindle.discovery;

import static io.spindle.discovery.TestNode.EDGES;
import static io.spindle.discovery.TestNode.N1;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spindle.discovery.DatagramAuthenticator.Signed;
import io.spindle.protocol.discovery.DiscoveryDatagram;
import io.spindle.testkit.Await;
import io.spindle.testkit.LogCapture;
import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Level;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The server against a scripted node, by unicast to 127.0.0.1 on a free port (multicast is covered
 * by {@link LoopbackDiscoveryTest}).
 */
class DiscoveryServerTest {
  private record Announcement(AddNodeRequest request, InetSocketAddress source) {}

  private final List<Announcement> announced = new CopyOnWriteArrayList<>();
  private final AtomicBoolean edgesFail = new AtomicBoolean();
  private LogCapture log;
  private DiscoveryServer server;
  private TestNode node;

  @BeforeEach
  void start() throws IOException {
    log = LogCapture.start("io.spindle.discovery");
    server =
        DiscoveryServer.start(
            TestNode.loopbackSettings().port(0).multicast(false).build(),
            () -> {
              if (edgesFail.get()) {
                throw new IllegalStateException("no leader yet");
              }
              return EDGES;
            },
            (request, source) -> announced.add(new Announcement(request, source)));
    node = new TestNode();
  }

  @AfterEach
  void stop() {
    node.close();
    server.close();
    log.close();
    assertFalse(log.anyContains(TestNode.SECRET_TEXT), "the secret must never be logged");
  }

  private InetSocketAddress serverAddress() {
    return server.unicastAddress();
  }

  /** The count is taken after the reply is sent, so it may trail the reply by a moment. */
  private void awaitAnswered(long expected) {
    Await.until(
        Duration.ofSeconds(5),
        () -> server.answered() == expected,
        () -> expected + " requests answered, not " + server.answered());
  }

  @Test
  void answersAnAuthenticRequestWithTheEdgeListAndTellsTheListener() throws IOException {
    Signed request = node.request(N1);
    node.send(request.bytes(), serverAddress());

    assertEquals(EDGES, node.receiveEdgeListFor(request));
    awaitAnswered(1);
    Await.until(Duration.ofSeconds(5), () -> announced.size() == 1, () -> "the listener heard");
    assertEquals(N1, announced.get(0).request());
    assertEquals(node.port(), announced.get(0).source().getPort());
    assertTrue(log.messages(Level.INFO).stream().anyMatch(m -> m.contains("n1")));
  }

  @Test
  void dropsBadDatagramsWithoutAnswerAndKeepsAnsweringOthers() throws Exception {
    byte[] genuine = node.request(N1).bytes();
    byte[] garbage = new byte[200];
    new Random(3).nextBytes(garbage);
    byte[] nextVersion =
        DiscoveryDatagram.parseFrom(genuine).toBuilder()
            .setProtocolVersion(2)
            .build()
            .toByteArray();
    byte[] otherCluster;
    byte[] otherSecret;
    try (TestNode beta = new TestNode(TestNode.SECRET, "beta");
        TestNode stranger = new TestNode(TestNode.WRONG_SECRET, TestNode.CLUSTER)) {
      otherCluster = beta.request(N1).bytes();
      otherSecret = stranger.request(N1).bytes();
    }
    byte[] wrongKind = node.edgeList(EDGES, new byte[16]).bytes();

    node.send(new byte[9000], serverAddress());
    node.send(Arrays.copyOf(genuine, genuine.length / 2), serverAddress());
    node.send(garbage, serverAddress());
    node.send(nextVersion, serverAddress());
    node.send(otherCluster, serverAddress());
    node.send(otherSecret, serverAddress());
    node.send(wrongKind, serverAddress());
    Signed valid = node.request(N1);
    node.send(valid.bytes(), serverAddress());

    // One socket, one thread: the reply to the last datagram comes after every drop is counted.
    assertEquals(EDGES, node.receiveEdgeListFor(valid));
    Map<DropReason, Long> drops = server.drops();
    assertEquals(1L, drops.get(DropReason.OVERSIZE), drops::toString);
    assertEquals(1L, drops.get(DropReason.WRONG_VERSION), drops::toString);
    assertEquals(1L, drops.get(DropReason.WRONG_CLUSTER), drops::toString);
    assertEquals(1L, drops.get(DropReason.BAD_SIGNATURE), drops::toString);
    assertEquals(1L, drops.get(DropReason.UNEXPECTED), drops::toString);
    assertEquals(
        2L,
        drops.getOrDefault(DropReason.MALFORMED, 0L) + drops.getOrDefault(DropReason.BAD_NONCE, 0L),
        "the truncated datagram and the garbage: " + drops);
    awaitAnswered(1);
    // The listener hears of the request after the answer went out: wait for it, not assume it.
    Await.until(Duration.ofSeconds(5), () -> !announced.isEmpty(), () -> "the listener heard");
    assertEquals(List.of(N1), announced.stream().map(Announcement::request).toList());
  }

  @Test
  void replayedAnnouncementIsRefused() throws IOException {
    Signed first = node.request(N1);
    Signed second = node.request(N1);
    node.send(first.bytes(), serverAddress());
    node.send(first.bytes(), serverAddress());
    node.send(second.bytes(), serverAddress());

    node.receiveEdgeListFor(first);
    node.receiveEdgeListFor(second); // not a second answer to the replay
    assertEquals(Map.of(DropReason.REPLAYED, 1L), server.drops());
    awaitAnswered(2);
  }

  @Test
  void failingEdgeListSourceLeavesTheRequestUnansweredAndTheServerRunning() throws IOException {
    edgesFail.set(true);
    node.send(node.request(N1).bytes(), serverAddress());
    Await.until(
        Duration.ofSeconds(5),
        () -> log.anyContains("no leader yet"),
        () -> "the source's failure is logged");
    edgesFail.set(false);
    Signed retry = node.request(N1);
    node.send(retry.bytes(), serverAddress());

    assertEquals(EDGES, node.receiveEdgeListFor(retry));
    awaitAnswered(1);
  }

  @Test
  void secondServerOnTheSamePortFailsClearlyAndCloseReleasesThePort() throws IOException {
    InetSocketAddress address = serverAddress();
    int port = address.getPort();
    DiscoverySettings same = TestNode.loopbackSettings().port(port).multicast(false).build();

    IOException e =
        assertThrows(
            IOException.class, () -> DiscoveryServer.start(same, () -> EDGES, (r, s) -> {}));
    assertTrue(e.getMessage().contains("cannot bind the discovery port"), e.getMessage());
    assertTrue(e.getMessage().contains("another queue server"), e.getMessage());

    server.close();
    server.close();
    try (DatagramSocket rebound = new DatagramSocket(address)) {
      assertEquals(port, rebound.getLocalPort());
    }
  }
}
