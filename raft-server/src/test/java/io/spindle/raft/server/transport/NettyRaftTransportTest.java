package io.spindle.raft.server.transport;

import static io.spindle.testkit.Await.within;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.Channel;
import io.spindle.raft.NodeId;
import io.spindle.raft.message.AppendEntries;
import io.spindle.raft.message.Heartbeat;
import io.spindle.raft.message.Message;
import io.spindle.raft.server.transport.TestNodes.Node;
import io.spindle.testkit.Await;
import io.spindle.testkit.LogCapture;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.logging.Level;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Transports on real sockets on 127.0.0.1. */
class NettyRaftTransportTest {
  private final TestNodes nodes = new TestNodes();
  private LogCapture log;

  @BeforeEach
  void captureLog() {
    log = LogCapture.start("io.spindle.raft.server.transport");
  }

  @AfterEach
  void closeEverything() {
    nodes.close();
    log.close();
    assertFalse(log.anyContains(new String(TestNodes.SECRET)), "the secret must never be logged");
    assertFalse(log.anyContains(new String(TestNodes.WRONG_SECRET)));
  }

  private static Heartbeat heartbeat(Node from, Node to, long context) {
    return new Heartbeat(from.id(), to.id(), 1, 0, context);
  }

  private static long receivedFrom(Node node, NodeId sender) {
    return node.inbox().messages.stream().filter(m -> m.from().equals(sender)).count();
  }

  private static boolean received(Node node, Message message) {
    return node.inbox().messages.contains(message);
  }

  private static boolean sent(Node from, Message message) {
    from.transport().send(message);
    return true;
  }

  /** Sends, again at every poll (as Raft retries), until {@code to} has the message. */
  private static void sendUntilReceived(Node from, Node to, Message message) {
    Await.until(
        within(10),
        () -> {
          from.transport().send(message);
          return received(to, message);
        },
        () -> to.id() + " received " + message);
  }

  @Test
  void threeTransportsExchangeMessagesOverOneConnectionPerPair() throws Exception {
    Node a = nodes.start("n1");
    Node b = nodes.start("n2");
    Node c = nodes.start("n3");
    List<Node> all = List.of(a, b, c);
    TestNodes.meshed(a, b, c); // all dial at once: pairs see duelling dials and must settle

    // Like Raft, send again until heard: a message caught in the settling of a pair may be lost.
    Await.until(
        within(10),
        () -> {
          boolean allHeard = true;
          for (Node from : all) {
            for (Node to : all) {
              if (from != to && receivedFrom(to, from.id()) == 0) {
                allHeard = false;
                from.transport().send(heartbeat(from, to, 1));
              }
            }
          }
          return allHeard;
        },
        () -> "every node heard from both others");

    Await.until(
        within(10),
        () -> onePerPair(all),
        () -> "each pair settled on one connection, both ends agreeing");

    // Once settled, one connection keeps a peer's messages in order.
    b.inbox().messages.clear();
    for (int i = 0; i < 1000; i++) {
      a.transport().send(heartbeat(a, b, i));
    }
    Await.until(within(10), () -> b.inbox().messages.size() == 1000);
    for (int i = 0; i < 1000; i++) {
      assertEquals(i, ((Heartbeat) b.inbox().messages.get(i)).readContext());
    }
  }

  /** Every pair uses the same single TCP connection from both ends, and nothing else is open. */
  private static boolean onePerPair(List<Node> all) {
    for (Node x : all) {
      if (x.transport().openConnections() != all.size() - 1) {
        return false;
      }
      for (Node y : all) {
        if (x == y) {
          continue;
        }
        Optional<Channel> xy = x.transport().connectionTo(y.id());
        Optional<Channel> yx = y.transport().connectionTo(x.id());
        if (xy.isEmpty() || yx.isEmpty() || !xy.get().isActive()) {
          return false;
        }
        if (!xy.get().localAddress().equals(yx.get().remoteAddress())) {
          return false;
        }
      }
    }
    return true;
  }

  @Test
  void aPeerRestartedOnTheSamePortIsReconnectedTo() throws Exception {
    Node a = nodes.start("n1");
    Node b = nodes.start("n2");
    TestNodes.meshed(a, b);
    sendUntilReceived(a, b, heartbeat(a, b, 1));

    int port = b.address().getPort();
    b.transport().close();
    Await.until(within(10), () -> a.transport().connectionTo(b.id()).isEmpty());

    // The new n2 knows nobody, so only n1's redial can bring the pair back together...
    Node restarted =
        nodes.start("n2", port, TestNodes.SECRET, TestNodes.CONFIG, new RecordingInboundHandler());
    Await.until(
        within(10),
        () -> {
          a.transport().send(heartbeat(a, restarted, 2));
          return received(restarted, heartbeat(a, restarted, 2));
        },
        () -> "n1 redialled the restarted n2");
    // ... and n2 answers on the connection n1 dialled, without knowing n1's address.
    sendUntilReceived(restarted, a, heartbeat(restarted, a, 3));
  }

  @Test
  void unknownPeersAreNotDialled() throws Exception {
    Node a = nodes.start("n1");
    Node b = nodes.start("n2");
    b.transport().send(heartbeat(b, a, 1));
    assertEquals(1, b.transport().droppedMessages(), "no address, no connection: dropped");
    assertEquals(0, b.transport().openConnections());

    a.transport().setPeers(Map.of(b.id(), b.address()));
    sendUntilReceived(a, b, heartbeat(a, b, 2));
    sendUntilReceived(b, a, heartbeat(b, a, 3));

    a.transport().setPeers(Map.of()); // b left the membership: the connection stays, no redial
    assertEquals(1, a.transport().openConnections());
  }

  @Test
  void backPressureDropsInsteadOfGrowingMemory() throws Exception {
    long bound = 1024 * 1024;
    CountDownLatch release = new CountDownLatch(1);
    RecordingInboundHandler stuck =
        new RecordingInboundHandler() {
          @Override
          public void onMessage(Message message) {
            super.onMessage(message);
            if (message instanceof Heartbeat) {
              return;
            }
            try {
              release.await(); // a peer that stops reading: its event loop is stuck
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          }
        };
    Node a =
        nodes.start(
            "n1",
            0,
            TestNodes.SECRET,
            TestNodes.CONFIG.withMaxOutboundBytesPerPeer(bound),
            new RecordingInboundHandler());
    Node b = nodes.start("n2", 0, TestNodes.SECRET, TestNodes.CONFIG, stuck);
    try {
      TestNodes.meshed(a, b);
      AppendEntries big = withSender(SampleMessages.appendEntries(1, 64 * 1024, 1), a, b);
      Await.until(
          within(10),
          () -> {
            a.transport().send(big);
            return b.inbox().messages.size() == 1;
          },
          () -> "n2 is stuck");

      for (int i = 0; i < 2000; i++) { // 128 MiB
        a.transport().send(big);
        assertTrue(a.transport().outboundBytes(b.id()) <= bound, "bounded at " + i);
      }
      assertTrue(
          a.transport().droppedMessages() > 1000, "dropped: " + a.transport().droppedMessages());
      assertTrue(a.transport().outboundBytes(b.id()) <= bound);
    } finally {
      release.countDown();
    }
    // Once n2 reads again, messages flow again.
    Heartbeat marker = heartbeat(a, b, 777);
    Await.until(
        within(20),
        () -> {
          a.transport().send(marker);
          return received(b, marker);
        },
        () -> "n2 got a message after it resumed reading");
  }

  private static AppendEntries withSender(AppendEntries m, Node from, Node to) {
    return new AppendEntries(
        from.id(),
        to.id(),
        m.term(),
        m.prevLogIndex(),
        m.prevLogTerm(),
        m.entries(),
        m.leaderCommit());
  }

  @Test
  void aNodeWithTheWrongSecretCanNeitherSendNorReceive() throws Exception {
    Node a = nodes.start("n1");
    Node intruder =
        nodes.start(
            "n2", 0, TestNodes.WRONG_SECRET, TestNodes.CONFIG, new RecordingInboundHandler());
    Node c = nodes.start("n3");
    TestNodes.meshed(a, intruder, c);

    intruder.transport().send(heartbeat(intruder, a, 1));
    intruder.transport().send(heartbeat(intruder, c, 1));
    a.transport().send(heartbeat(a, intruder, 1));
    c.transport().send(heartbeat(c, intruder, 1));
    Await.until(
        within(10),
        () ->
            sent(c, heartbeat(c, a, 1)) // the control: the right secret gets through
                && a.transport().refusedHandshakes() > 0
                && intruder.transport().refusedHandshakes() > 0
                && c.transport().refusedHandshakes() > 0
                && received(a, heartbeat(c, a, 1)),
        () -> "both directions refused and the control message arrived");

    assertTrue(intruder.inbox().nothingReceived(), "the intruder received nothing");
    assertEquals(0, receivedFrom(a, intruder.id()), "n1 received nothing from the intruder");
    assertEquals(0, receivedFrom(c, intruder.id()), "n3 received nothing from the intruder");
    assertTrue(a.transport().connectionTo(intruder.id()).isEmpty());
    assertTrue(intruder.transport().connectionTo(a.id()).isEmpty());
    assertTrue(
        log.contains(Level.WARNING, "refusing connection with /127.0.0.1:", "cluster secret"));
  }

  @Test
  void badBytesCloseOnlyTheirConnection() throws Exception {
    Node a = nodes.start("n1");
    Node b = nodes.start("n2");
    TestNodes.meshed(a, b);

    for (byte[] bad :
        List.of(
            new byte[] {-1, -1, -1, -1, -1, -1}, // malformed length prefix
            new byte[] {-1, -1, -1, -1, 3}, // a 1 GiB frame
            new byte[] {5, -1, -1, -1, -1, -1})) { // not protobuf
      try (Socket raw = new Socket()) {
        raw.connect(a.address(), 2000);
        raw.setSoTimeout(5000);
        OutputStream out = raw.getOutputStream();
        out.write(bad);
        out.flush();
        InputStream in = raw.getInputStream();
        byte[] buf = new byte[4096];
        int n;
        do {
          n = in.read(buf); // the hello of n1's handshake, maybe, then the end of the stream
        } while (n > 0);
        assertEquals(-1, n, "n1 closed the connection");
        String remote = "/127.0.0.1:" + raw.getLocalPort();
        Await.until(
            within(5),
            () -> log.contains(Level.WARNING, "closing connection with " + remote),
            () -> "a WARNING naming " + remote + " in " + log.messages(Level.WARNING));
      }
    }
    sendUntilReceived(a, b, heartbeat(a, b, 9));
    assertTrue(a.inbox().nothingReceived());
  }

  @Test
  void aMessageLargerThanTheMaximumFrameIsDroppedAtTheSender() throws Exception {
    Node a =
        nodes.start(
            "n1",
            0,
            TestNodes.SECRET,
            TestNodes.CONFIG.withMaxFrameSize(64 * 1024),
            new RecordingInboundHandler());
    Node b = nodes.start("n2");
    TestNodes.meshed(a, b);
    a.transport().send(withSender(SampleMessages.appendEntries(1, 100 * 1024, 1), a, b));
    assertEquals(1, a.transport().droppedMessages());
    assertTrue(log.contains(Level.WARNING, "exceed the maximum frame size of 65536"));
    Await.until(
        within(10),
        () -> {
          a.transport().send(heartbeat(a, b, 1));
          return received(b, heartbeat(a, b, 1));
        });
  }

  @Test
  void sendNeverThrows() throws Exception {
    Node a = nodes.start("n1");
    Node b = nodes.start("n2");
    TestNodes.meshed(a, b);
    a.transport().send(null);
    a.transport().send(heartbeat(b, a, 1)); // not from this node
    a.transport().send(new Heartbeat(a.id(), b.id(), -1, 0, 0)); // invalid
    assertEquals(3, a.transport().droppedMessages());
    a.transport().close();
    a.transport().send(heartbeat(a, b, 1));
    assertEquals(4, a.transport().droppedMessages());
  }

  @Test
  void startingOnAPortInUseSaysSo() throws Exception {
    Node a = nodes.start("n1");
    InetSocketAddress taken = a.address();
    IllegalStateException e =
        org.junit.jupiter.api.Assertions.assertThrows(
            IllegalStateException.class,
            () ->
                nodes.start(
                    "n2",
                    taken.getPort(),
                    TestNodes.SECRET,
                    TestNodes.CONFIG,
                    new RecordingInboundHandler()));
    assertTrue(
        e.getMessage().contains("cannot listen for Raft peers and clients on"), e.getMessage());
  }
}
