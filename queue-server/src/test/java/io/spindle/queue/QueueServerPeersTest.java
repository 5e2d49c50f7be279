package io.spindle.queue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spindle.protocol.queue.NodeRole;
import io.spindle.protocol.queue.NodeStatus;
import io.spindle.protocol.queue.QueueFrame;
import io.spindle.protocol.queue.Steal;
import io.spindle.queue.service.QueueServerDirectory;
import io.spindle.queue.testing.FakeCluster;
import io.spindle.queue.testing.TestClient;
import io.spindle.queue.testing.TestNode;
import io.spindle.queue.testing.TestServers;
import io.spindle.testkit.Await;
import io.spindle.testkit.LogCapture;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Level;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 18: queue servers learn of each other, from their --peers and from the queue servers their
 * (authenticated) nodes report, and name them all in every Welcome, themselves first.
 */
class QueueServerPeersTest {
  @TempDir Path tmp;
  private final FakeCluster cluster = new FakeCluster();
  private final List<AutoCloseable> open = new ArrayList<>();

  @AfterEach
  void stop() throws Exception {
    for (AutoCloseable c : open) {
      c.close();
    }
  }

  private QueueServer start(QueueServerSettings config) throws IOException {
    QueueServer s = TestServers.start(config, java.time.InstantSource.system());
    open.add(s);
    return s;
  }

  private TestNode node(QueueServer s, String id, List<String> queueServers) throws IOException {
    TestNode n =
        TestNode.start(s.localAddress(), id, TestServers.SECRET, cluster, NodeRole.LEADER, 1);
    n.queueServers = queueServers;
    open.add(0, n);
    return n;
  }

  private TestClient client(QueueServer s) throws IOException {
    TestClient c = TestClient.connect(s.localAddress());
    open.add(0, c);
    return c;
  }

  private static String self(QueueServer s) {
    return "127.0.0.1:" + s.localAddress().getPort();
  }

  @Test
  void theConfiguredPeersFollowTheServerItselfInEveryWelcome() throws IOException {
    QueueServer s =
        start(
            TestServers.config(tmp.resolve("spool"))
                .withPeers(List.of("127.0.0.1:4901", "[::1]:4902", "127.0.0.1:4901")));
    List<String> expected = List.of(self(s), "127.0.0.1:4901", "[::1]:4902");

    assertEquals(expected, client(s).welcome().getQueueServersList(), "a client's Welcome");
    assertEquals(expected, node(s, "n1", List.of()).welcome().getQueueServersList(), "a node's");
  }

  @Test
  void aServerAmongItsOwnPeersIsNamedOnceFirstAsItAdvertisesItself() throws IOException {
    // bin/spindle gives every queue server the same list, itself among them.
    QueueServer s =
        start(
            TestServers.config(tmp.resolve("spool"))
                .withAdvertise("qs1.example:4000")
                .withPeers(List.of("qs1.example:4000", "qs2.example:4001")));

    assertEquals(
        List.of("qs1.example:4000", "qs2.example:4001"), client(s).welcome().getQueueServersList());
  }

  @Test
  void theServersNodesReportAreLearnedBoundedAndMalformedOnesLeftOut() throws IOException {
    QueueServer s =
        start(TestServers.config(tmp.resolve("spool")).withPeers(List.of("127.0.0.1:4901")));
    List<String> reported = new ArrayList<>();
    reported.add(self(s)); // itself, as the node knows it: not repeated
    reported.add("127.0.0.1:4901"); // a configured peer: not repeated
    reported.add("127.0.0.1:4903");
    reported.add("not an address");
    reported.add("127.0.0.1:99999");
    try (LogCapture log = LogCapture.start(QueueServerDirectory.class)) {
      node(s, "n-learn-1", reported);

      Await.until(
          () -> s.service().queueServers().contains("127.0.0.1:4903"),
          () -> "the reported server is learned: " + s.service().queueServers());
      assertEquals(
          List.of(self(s), "127.0.0.1:4901", "127.0.0.1:4903"), s.service().queueServers());
      assertTrue(
          log.contains(Level.WARNING, "n-learn-1", "not host:port"),
          () -> log.messages(Level.INFO).toString());
    }
    assertEquals(
        List.of(self(s), "127.0.0.1:4901", "127.0.0.1:4903"),
        client(s).welcome().getQueueServersList(),
        "a client that connects now learns it");

    // A node reporting many: only so many count, from each report and in all.
    List<String> many = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      many.add("127.0.0.2:" + (5000 + i));
    }
    TestNode flood = node(s, "n-learn-2", many);
    Await.until(
        () -> s.service().queueServers().contains("127.0.0.2:5000"),
        () -> "the second node's report counts: " + s.service().queueServers());
    List<String> known = s.service().queueServers();
    assertEquals(2 + QueueServerDirectory.MAX_LEARNED, known.size(), known.toString());
    assertFalse(
        known.contains("127.0.0.2:" + (5000 + QueueServerDirectory.MAX_PER_REPORT)),
        "only the first " + QueueServerDirectory.MAX_PER_REPORT + " of one report count: " + known);

    // What no node reports any more is forgotten; the configured peer stays.
    flood.queueServers = List.of();
    Await.until(
        () -> !s.service().queueServers().contains("127.0.0.2:5000"),
        () -> "the flood is forgotten: " + s.service().queueServers());
    assertEquals(List.of(self(s), "127.0.0.1:4901", "127.0.0.1:4903"), s.service().queueServers());
  }

  @Test
  void onlyAuthenticatedNodesAreHeard() throws IOException {
    QueueServer s = start(TestServers.config(tmp.resolve("spool")));
    // A client may not speak for a node: its Steal, carrying a status, closes its connection.
    TestClient impostor = client(s);
    impostor.send(
        QueueFrame.newBuilder()
            .setSteal(
                Steal.newBuilder()
                    .setStealId(1)
                    .setStatus(
                        NodeStatus.newBuilder()
                            .setNodeId("n-impostor")
                            .addQueueServers("10.6.6.6:4000")))
            .build());
    Await.until(impostor::isClosed, () -> "the impostor's connection is closed");
    // A node with the wrong secret does not get as far as a report.
    assertThrows(
        IOException.class,
        () ->
            TestNode.start(
                s.localAddress(),
                "n-wrong",
                "another-cluster-secret-0123456789".getBytes(StandardCharsets.UTF_8),
                cluster,
                NodeRole.LEADER,
                1));

    node(s, "n-honest", List.of("127.0.0.1:4904"));
    Await.until(
        () -> s.service().queueServers().contains("127.0.0.1:4904"),
        () -> "the authenticated node's report counts: " + s.service().queueServers());
    assertEquals(List.of(self(s), "127.0.0.1:4904"), s.service().queueServers());
  }
}
