package io.spindle.queue.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spindle.protocol.queue.ErrorCode;
import io.spindle.protocol.queue.QueueFrame;
import io.spindle.protocol.queue.QueueProtocol;
import io.spindle.protocol.queue.Read;
import io.spindle.protocol.queue.Reply;
import io.spindle.protocol.queue.Request;
import io.spindle.protocol.queue.Status;
import io.spindle.queue.QueueServer;
import io.spindle.queue.QueueServerSettings;
import io.spindle.queue.testing.FrameIO;
import io.spindle.queue.testing.TestClient;
import io.spindle.queue.testing.TestServers;
import io.spindle.testkit.Await;
import io.spindle.testkit.LogCapture;
import io.spindle.testkit.ManualClock;
import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.logging.Level;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What one client can make the queue server hold is bounded: connections in total and per address,
 * connections left idle, and requests under way on one connection. Real sockets; the remote
 * addresses are 127.0.0.1 and 127.0.0.2 (both loopback).
 */
class ClientLimitsTest {
  @TempDir Path spool;
  private QueueServer server;
  private final List<Socket> sockets = new ArrayList<>();
  private final List<TestClient> clients = new ArrayList<>();
  private LogCapture log;

  private void start(int total, int perAddress, Duration idle, int inFlight) throws IOException {
    log = LogCapture.start("io.spindle.queue");
    QueueServerSettings config = TestServers.config(spool);
    config =
        config
            .withTransport(
                config
                    .transport()
                    .withConnectionLimits(total, perAddress)
                    .withClientIdleTimeout(idle))
            .withService(config.service().withMaxRequestsInFlight(inFlight));
    server = TestServers.start(config, new ManualClock());
  }

  @AfterEach
  void stop() throws IOException {
    for (TestClient c : clients) {
      c.close();
    }
    for (Socket s : sockets) {
      s.close();
    }
    if (server != null) {
      server.close();
    }
    if (log != null) {
      log.close();
    }
  }

  private Socket rawFrom(String localAddress) throws IOException {
    Socket s = new Socket();
    s.bind(new InetSocketAddress(InetAddress.getByName(localAddress), 0));
    s.connect(server.localAddress(), 5_000);
    s.setSoTimeout(5_000);
    sockets.add(s);
    return s;
  }

  private TestClient client() throws IOException {
    TestClient c = TestClient.connect(server.localAddress());
    clients.add(c);
    return c;
  }

  /** Reads until the server closes the connection; returns its last frame, if it sent one. */
  private static QueueFrame awaitClosed(Socket s) throws IOException {
    InputStream in = new BufferedInputStream(s.getInputStream());
    QueueFrame last = null;
    try {
      while (true) {
        last = FrameIO.read(in, QueueProtocol.DEFAULT_MAX_FRAME_SIZE);
      }
    } catch (EOFException | SocketException e) {
      return last;
    }
  }

  /** A handshake on {@code s} succeeds: the connection was counted and served. */
  private static void assertWelcomed(Socket s) throws IOException {
    FrameIO.write(
        s.getOutputStream(),
        QueueFrame.newBuilder()
            .setClientHello(
                io.spindle.protocol.queue.ClientHello.newBuilder()
                    .setProtocolVersion(QueueProtocol.VERSION)
                    .setToken(TestServers.TOKEN))
            .build());
    QueueFrame f =
        FrameIO.read(
            new BufferedInputStream(s.getInputStream()), QueueProtocol.MAX_HANDSHAKE_FRAME_SIZE);
    assertTrue(f.hasClientWelcome(), f.toString());
  }

  private static Request read(String rid) {
    return Request.newBuilder()
        .setRequestId(rid)
        .setRead(Read.newBuilder().setName("docs/a.txt"))
        .build();
  }

  @Test
  void connectionsOverThePerAddressCapAreRefusedWithTheReasonAndOthersStillConnect()
      throws IOException {
    start(10, 2, Duration.ofMinutes(5), 100);
    Socket a = rawFrom("127.0.0.1");
    Socket b = rawFrom("127.0.0.1");
    assertWelcomed(a);
    assertWelcomed(b);

    QueueFrame said = awaitClosed(rawFrom("127.0.0.1"));
    assertNotNull(said, "the refused connection is told why");
    assertTrue(said.hasClientGoodbye(), said.toString());
    assertTrue(
        said.getClientGoodbye().getReason().contains("--max-connections-per-address"),
        said.toString());
    Await.until(
        () -> log.contains(Level.WARNING, "refusing connection", "per address"),
        () -> "the refusal is logged: " + log.messages(Level.ALL));

    assertWelcomed(rawFrom("127.0.0.2")); // another address has its own allowance

    a.close();
    Await.until(
        () -> {
          try (Socket c = new Socket()) {
            c.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0));
            c.connect(server.localAddress(), 5_000);
            c.setSoTimeout(5_000);
            assertWelcomed(c);
            return true;
          } catch (IOException | AssertionError e) {
            return false;
          }
        },
        () -> "a connection from 127.0.0.1 is accepted again once one of its two closed");
  }

  @Test
  void connectionsOverTheTotalCapAreRefused() throws IOException {
    start(3, 3, Duration.ofMinutes(5), 100);
    assertWelcomed(rawFrom("127.0.0.1"));
    assertWelcomed(rawFrom("127.0.0.2"));
    assertWelcomed(rawFrom("127.0.0.3"));

    QueueFrame said = awaitClosed(rawFrom("127.0.0.4"));
    assertNotNull(said);
    assertTrue(said.getClientGoodbye().getReason().contains("--max-connections"), said.toString());
  }

  @Test
  void aFloodOfRefusedConnectionsLogsAFewLines() throws IOException {
    start(1, 1, Duration.ofMinutes(5), 100);
    assertWelcomed(rawFrom("127.0.0.1"));
    for (int i = 0; i < 50; i++) {
      awaitClosed(rawFrom("127.0.0.1"));
    }
    long lines = log.count(Level.WARNING, "refusing connection");
    assertTrue(lines >= 1 && lines <= 5, () -> lines + " lines for 50 refusals");
  }

  @Test
  void anIdleClientIsDisconnectedWithTheReason() throws IOException {
    start(10, 10, Duration.ofMillis(300), 100);
    TestClient idle = client();
    Await.until(idle::isClosed, () -> "the idle client was disconnected");
    assertNotNull(idle.goodbye());
    assertTrue(idle.goodbye().getReason().contains("sent nothing for"), idle.goodbye().toString());
  }

  @Test
  void aClientWaitingForAnAnswerIsNotIdle() throws IOException {
    start(10, 10, Duration.ofMillis(200), 100);
    // No node is connected and the clock is manual: the read waits in the shared queue.
    try (Socket s = rawFrom("127.0.0.1")) {
      assertWelcomed(s);
      FrameIO.write(s.getOutputStream(), QueueFrame.newBuilder().setRequest(read("r1")).build());
      s.setSoTimeout(2_000); // ten idle periods
      InputStream in = s.getInputStream();
      assertThrows(SocketTimeoutException.class, in::read, "the server kept the connection open");
    }
    // Once it waits for nothing, the same silence ends it.
    TestClient c = client();
    Reply status =
        c.call(
            Request.newBuilder()
                .setRequestId(UUID.randomUUID().toString())
                .setStatus(Status.getDefaultInstance())
                .build());
    assertTrue(status.hasStatus());
    Await.until(c::isClosed, () -> "the client that got its answer was disconnected when idle");
  }

  @Test
  void requestsOverTheInFlightCapOfAConnectionAreBusyAndARetryIsNot() throws IOException {
    start(10, 10, Duration.ofMinutes(5), 2);
    TestClient c = client();
    c.send(read("r1"));
    c.send(read("r2"));
    Reply third = c.call(read("r3"));
    assertTrue(third.hasError(), third.toString());
    assertEquals(ErrorCode.BUSY, third.getError().getCode());
    assertTrue(third.getError().getMessage().contains("requests under way"), third.toString());
    assertTrue(third.getError().getRetryAfterMs() > 0);

    c.send(read("r1")); // a retry of a request under way attaches to it: not refused
    c.send(
        Request.newBuilder()
            .setRequestId("s1")
            .setStatus(Status.getDefaultInstance())
            .build()); // ordered after the retry on the connection
    assertTrue(c.next("s1").hasError(), "status is a request too: over the cap");
    assertFalse(c.hasReply("r1"), "the retry was neither refused nor answered");

    TestClient other = client();
    Reply elsewhere =
        other.call(
            Request.newBuilder().setRequestId("s2").setStatus(Status.getDefaultInstance()).build());
    assertTrue(elsewhere.hasStatus(), "another connection has its own allowance");
  }
}
