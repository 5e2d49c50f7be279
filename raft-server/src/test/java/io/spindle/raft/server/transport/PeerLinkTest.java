package io.spindle.raft.server.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.netty.channel.EventLoop;
import io.netty.channel.embedded.EmbeddedChannel;
import io.spindle.raft.NodeId;
import io.spindle.testkit.LogCapture;
import io.spindle.wire.Backoff;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The one-connection-per-pair rule, decided on both ends of a pair: whatever order two connections
 * authenticate in, both ends keep the same one.
 */
class PeerLinkTest {
  private static final NodeId N1 = NodeId.of("n1");
  private static final NodeId N2 = NodeId.of("n2");

  private LogCapture log;

  @BeforeEach
  void captureLog() {
    log = LogCapture.start("io.spindle.raft.server.transport");
  }

  @AfterEach
  void stopCapture() {
    log.close();
  }

  /** A link with no address (so it never dials) on an embedded event loop. */
  private static PeerLink link(NodeId self, NodeId peer, EventLoop loop) {
    PeerLink link =
        new PeerLink(
            self,
            peer,
            1 << 20,
            loop,
            (address, expected, l) -> fail("a link without an address must not dial"),
            new Backoff(Duration.ofMillis(10), Duration.ofMillis(100), bound -> 0));
    link.start();
    return link;
  }

  /** One TCP connection as seen from either end. */
  private record Connection(EmbeddedChannel atN1, EmbeddedChannel atN2, NodeId dialler) {
    static Connection dialledBy(NodeId dialler) {
      return new Connection(new EmbeddedChannel(), new EmbeddedChannel(), dialler);
    }

    Session sessionAt(NodeId end) {
      EmbeddedChannel channel = end.equals(N1) ? atN1 : atN2;
      NodeId remote = end.equals(N1) ? N2 : N1;
      return new Session(remote, dialler.equals(end), channel.remoteAddress());
    }

    void adoptAt(PeerLink link, NodeId end) {
      link.adopt(end.equals(N1) ? atN1 : atN2, sessionAt(end));
    }

    boolean openAtBothEnds() {
      return atN1.isOpen() && atN2.isOpen();
    }
  }

  @Test
  void bothEndsKeepTheConnectionDialledByTheSmallerId() {
    EmbeddedChannel loop = new EmbeddedChannel();
    PeerLink atN1 = link(N1, N2, loop.eventLoop());
    PeerLink atN2 = link(N2, N1, loop.eventLoop());
    Connection byN1 = Connection.dialledBy(N1);
    Connection byN2 = Connection.dialledBy(N2);

    // They authenticate in opposite orders at the two ends: n1 sees n2's first, n2 sees n1's.
    byN2.adoptAt(atN1, N1);
    byN1.adoptAt(atN2, N2);
    byN1.adoptAt(atN1, N1);
    byN2.adoptAt(atN2, N2);
    runTasks(byN1, byN2);

    assertSame(byN1.atN1(), atN1.queue().channel());
    assertSame(byN1.atN2(), atN2.queue().channel());
    assertTrue(byN1.openAtBothEnds());
    assertTrue(log.contains(java.util.logging.Level.INFO, "connected to peer n2 (dialled)"));
    assertFalse(byN2.atN1().isOpen(), "n1 retired the connection n2 dialled");
    assertFalse(byN2.atN2().isOpen(), "n2 closed its own dial");
  }

  @Test
  void ofTwoConnectionsFromTheSameDiallerTheNewerWins() {
    EmbeddedChannel loop = new EmbeddedChannel();
    PeerLink atN2 = link(N2, N1, loop.eventLoop());
    Connection stale = Connection.dialledBy(N1);
    Connection fresh = Connection.dialledBy(N1); // n1 restarted and dialled again
    stale.adoptAt(atN2, N2);
    fresh.adoptAt(atN2, N2);
    runTasks(stale, fresh);
    assertSame(fresh.atN2(), atN2.queue().channel());
    assertFalse(stale.atN2().isOpen());
  }

  @Test
  void aLosingDialIsClosedWithoutEverCarryingMessages() {
    EmbeddedChannel loop = new EmbeddedChannel();
    PeerLink atN2 = link(N2, N1, loop.eventLoop());
    Connection byN1 = Connection.dialledBy(N1);
    Connection byN2 = Connection.dialledBy(N2);
    byN1.adoptAt(atN2, N2);
    byN2.adoptAt(atN2, N2);
    runTasks(byN1, byN2);
    assertSame(byN1.atN2(), atN2.queue().channel());
    assertFalse(byN2.atN2().isOpen());
    assertNull(byN2.atN2().readOutbound(), "nothing was written to the loser");
  }

  @Test
  void aClosedConnectionIsForgotten() {
    EmbeddedChannel loop = new EmbeddedChannel();
    PeerLink atN1 = link(N1, N2, loop.eventLoop());
    Connection byN1 = Connection.dialledBy(N1);
    byN1.adoptAt(atN1, N1);
    assertTrue(atN1.isReachable());
    byN1.atN1().close();
    runTasks(byN1);
    assertNull(atN1.queue().channel());
    assertFalse(atN1.isReachable(), "no address and no connection");
    assertEquals(0, atN1.queue().pendingBytes());
  }

  private static void runTasks(Connection... connections) {
    for (Connection c : connections) {
      c.atN1().runPendingTasks();
      c.atN2().runPendingTasks();
    }
  }
}
