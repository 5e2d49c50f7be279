package io.spindle.queue.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.spindle.protocol.queue.ClientHello;
import io.spindle.protocol.queue.NodeHello;
import io.spindle.protocol.queue.NodeProof;
import io.spindle.protocol.queue.QueueFrame;
import io.spindle.protocol.queue.QueueProtocol;
import io.spindle.protocol.queue.Reply;
import io.spindle.protocol.queue.Request;
import io.spindle.protocol.queue.Status;
import io.spindle.protocol.queue.Steal;
import io.spindle.queue.QueueServer;
import io.spindle.queue.QueueServerSettings;
import io.spindle.queue.testing.FrameIO;
import io.spindle.queue.testing.TestClient;
import io.spindle.queue.testing.TestNode;
import io.spindle.queue.testing.TestServers;
import io.spindle.testkit.LogCapture;
import io.spindle.testkit.ManualClock;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;
import java.util.logging.Level;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bad input over real sockets: each bad connection is closed with one logged reason, and the server
 * keeps serving a connected client and accepting new ones.
 */
class QueuePortTest {
  @TempDir Path spool;
  private QueueServer server;
  private TestClient healthy;
  private LogCapture log;

  @BeforeEach
  void start() throws IOException {
    log = LogCapture.start("io.spindle.queue");
    QueueServerSettings config = TestServers.config(spool);
    config =
        config.withTransport(
            new QueuePortSettings(
                config.transport().maxFrameSize(),
                Duration.ofSeconds(1),
                config.transport().maxOutboundBytes(),
                config.transport().maxPendingChunkBytes(),
                Duration.ofSeconds(2),
                Duration.ofSeconds(10),
                Duration.ofMinutes(5),
                1024,
                256));
    server = TestServers.start(config, new ManualClock());
    healthy = TestClient.connect(server.localAddress());
  }

  @AfterEach
  void stop() {
    healthy.close();
    server.close();
    log.close();
  }

  private Socket connect() throws IOException {
    Socket s = new Socket("127.0.0.1", server.localAddress().getPort());
    s.setSoTimeout(5_000);
    return s;
  }

  private static void clientHello(Socket s) throws IOException {
    FrameIO.write(
        s.getOutputStream(),
        QueueFrame.newBuilder()
            .setClientHello(
                ClientHello.newBuilder()
                    .setProtocolVersion(QueueProtocol.VERSION)
                    .setToken(io.spindle.queue.testing.TestServers.TOKEN))
            .build());
    QueueFrame welcome =
        FrameIO.read(
            new BufferedInputStream(s.getInputStream()), QueueProtocol.MAX_HANDSHAKE_FRAME_SIZE);
    assertTrue(welcome.hasClientWelcome(), welcome.toString());
  }

  /** Reads until the server closes the connection; returns what it said last, if anything. */
  private static QueueFrame awaitClosed(Socket s) throws IOException {
    InputStream in = new BufferedInputStream(s.getInputStream());
    QueueFrame last = null;
    try {
      while (true) {
        last = FrameIO.read(in, QueueProtocol.DEFAULT_MAX_FRAME_SIZE);
      }
    } catch (java.io.EOFException | SocketException e) {
      return last;
    }
  }

  /** The reason was logged once, naming the connection; the server still serves everyone else. */
  private void assertClosedWithOneReasonAndServing(Socket bad, String reason) throws IOException {
    awaitClosed(bad);
    String who = ":" + bad.getLocalPort();
    io.spindle.testkit.Await.until(
        () -> log.contains(Level.WARNING, who, reason),
        () -> "a WARNING naming " + who + " and '" + reason + "' in " + log.messages(Level.ALL));
    assertEquals(1, log.count(Level.WARNING, who), () -> "one reason: " + log.messages(Level.ALL));
    assertServing();
  }

  private void assertServing() throws IOException {
    String rid = UUID.randomUUID().toString();
    Reply r =
        healthy.call(
            Request.newBuilder().setRequestId(rid).setStatus(Status.getDefaultInstance()).build());
    assertTrue(r.hasStatus(), r.toString());
    try (TestClient fresh = TestClient.connect(server.localAddress())) {
      Reply again =
          fresh.call(
              Request.newBuilder()
                  .setRequestId(rid + "-2")
                  .setStatus(Status.getDefaultInstance())
                  .build());
      assertTrue(again.hasStatus());
    }
  }

  @Test
  void garbageClosesTheConnection() throws IOException {
    try (Socket s = connect()) {
      OutputStream out = s.getOutputStream();
      out.write(new byte[] {6, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 7});
      out.flush();
      assertClosedWithOneReasonAndServing(s, "invalid wire type");
    }
  }

  @Test
  void anHttpRequestIsGarbageToo() throws IOException {
    try (Socket s = connect()) {
      s.getOutputStream()
          .write(
              ("GET / HTTP/1.1\r\nHost: localhost\r\n"
                      + "User-Agent: a browser that found the wrong port, with a long header\r\n\r\n")
                  .getBytes(StandardCharsets.US_ASCII));
      s.getOutputStream().flush();
      s.shutdownOutput();
      awaitClosed(s);
      io.spindle.testkit.Await.until(
          () -> log.count(Level.WARNING, ":" + s.getLocalPort()) == 1,
          () -> "one reason logged, in " + log.messages(Level.ALL));
      assertServing();
    }
  }

  @Test
  void anOversizedFrameBeforeTheHandshakeIsRefusedFromItsLengthAlone() throws IOException {
    try (Socket s = connect()) {
      OutputStream out = s.getOutputStream();
      out.write(new byte[] {(byte) 0x88, 0x27}); // 5000: over the 4 KiB handshake limit
      out.flush();
      assertClosedWithOneReasonAndServing(s, "exceeds the maximum of 4096 bytes");
    }
  }

  @Test
  void anOversizedFrameAfterTheHandshakeIsRefusedFromItsLengthAlone() throws IOException {
    try (Socket s = connect()) {
      clientHello(s);
      OutputStream out = s.getOutputStream();
      // 17 MiB, announced in the length prefix; no body follows.
      out.write(new byte[] {(byte) 0x80, (byte) 0x80, (byte) 0x80, 0x11});
      out.flush();
      assertClosedWithOneReasonAndServing(s, "exceeds the maximum of 16777216 bytes");
    }
  }

  @Test
  void aTruncatedFrameIsReportedWhenTheConnectionEnds() throws IOException {
    try (Socket s = connect()) {
      clientHello(s);
      OutputStream out = s.getOutputStream();
      out.write(new byte[] {100, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10});
      out.flush();
      s.shutdownOutput();
      assertClosedWithOneReasonAndServing(s, "in the middle of a frame");
    }
  }

  @Test
  void aMalformedLengthPrefixClosesTheConnection() throws IOException {
    try (Socket s = connect()) {
      s.getOutputStream().write(new byte[] {-1, -1, -1, -1, -1, -1});
      s.getOutputStream().flush();
      assertClosedWithOneReasonAndServing(s, "malformed length prefix");
    }
  }

  @Test
  void aRequestBeforeTheHelloIsRefused() throws IOException {
    try (Socket s = connect()) {
      FrameIO.write(
          s.getOutputStream(),
          QueueFrame.newBuilder()
              .setRequest(
                  Request.newBuilder().setRequestId("r").setStatus(Status.getDefaultInstance()))
              .build());
      QueueFrame last = awaitClosed(s);
      assertTrue(last != null && last.hasClientGoodbye(), String.valueOf(last));
      assertTrue(last.getClientGoodbye().getReason().contains("before completing the handshake"));
      assertClosedWithOneReasonAndServing(s, "before completing the handshake");
    }
  }

  @Test
  void anotherProtocolVersionIsRefusedWithTheReason() throws IOException {
    try (Socket s = connect()) {
      FrameIO.write(
          s.getOutputStream(),
          QueueFrame.newBuilder()
              .setClientHello(ClientHello.newBuilder().setProtocolVersion(99))
              .build());
      QueueFrame last = awaitClosed(s);
      assertTrue(last.getClientGoodbye().getReason().contains("speaks protocol version 99"));
      assertClosedWithOneReasonAndServing(s, "speaks protocol version 99");
    }
  }

  @Test
  void aNodeMessageOnAClientConnectionClosesIt() throws IOException {
    try (Socket s = connect()) {
      clientHello(s);
      FrameIO.write(
          s.getOutputStream(),
          QueueFrame.newBuilder().setSteal(Steal.newBuilder().setMaxJobs(5)).build());
      QueueFrame last = awaitClosed(s);
      assertTrue(last.getClientGoodbye().getReason().contains("a node message"));
      assertClosedWithOneReasonAndServing(s, "a node message, on a client connection");
    }
  }

  @Test
  void aNodeThatCannotProveTheSecretIsRefused() throws IOException {
    try (Socket s = connect()) {
      OutputStream out = s.getOutputStream();
      InputStream in = new BufferedInputStream(s.getInputStream());
      FrameIO.write(
          out,
          QueueFrame.newBuilder()
              .setNodeHello(
                  NodeHello.newBuilder()
                      .setProtocolVersion(QueueProtocol.VERSION)
                      .setNodeId("intruder")
                      .setNonce(ByteString.copyFrom(new byte[32])))
              .build());
      QueueFrame challenge = FrameIO.read(in, QueueProtocol.MAX_HANDSHAKE_FRAME_SIZE);
      assertTrue(challenge.hasServerChallenge());
      FrameIO.write(
          out,
          QueueFrame.newBuilder()
              .setNodeProof(NodeProof.newBuilder().setProof(ByteString.copyFrom(new byte[32])))
              .build());
      QueueFrame goodbye = FrameIO.read(in, QueueProtocol.MAX_HANDSHAKE_FRAME_SIZE);
      assertTrue(goodbye.hasNodeGoodbye(), goodbye.toString());
      assertTrue(goodbye.getNodeGoodbye().getReason().contains("did not prove the cluster secret"));
      assertClosedWithOneReasonAndServing(s, "did not prove the cluster secret");
    }
    assertTrue(
        log.messages(Level.ALL).stream()
            .noneMatch(m -> m.contains(new String(TestServers.SECRET, StandardCharsets.UTF_8))),
        "the secret is never logged");
  }

  @Test
  void aNodeWithAnotherSecretRefusesTheServerAndIsNotAuthenticated() throws IOException {
    byte[] wrong = "another-secret-entirely-000000000".getBytes(StandardCharsets.UTF_8);
    try (Socket s = connect()) {
      IOException e =
          org.junit.jupiter.api.Assertions.assertThrows(
              IOException.class,
              () ->
                  TestNode.handshake(
                      new BufferedInputStream(s.getInputStream()),
                      s.getOutputStream(),
                      "n9",
                      "",
                      wrong));
      assertTrue(e.getMessage().contains("did not prove the cluster secret"), e.getMessage());
    }
    assertTrue(server.status().getNodesList().isEmpty(), "no node was admitted");
    assertServing();
  }

  @Test
  void aNodeWithTheSecretIsWelcomed() throws IOException {
    try (Socket s = connect()) {
      var welcome =
          TestNode.handshake(
              new BufferedInputStream(s.getInputStream()),
              s.getOutputStream(),
              "n1",
              "test-cluster",
              TestServers.SECRET);
      assertEquals(1000, welcome.getLeaseMs());
      assertEquals(QueueProtocol.DEFAULT_MAX_FRAME_SIZE, welcome.getMaxFrameSize());
    }
  }

  @Test
  void aNodeOfAnotherClusterIsRefused() throws IOException {
    try (Socket s = connect()) {
      IOException e =
          org.junit.jupiter.api.Assertions.assertThrows(
              TestNode.RefusedException.class,
              () ->
                  TestNode.handshake(
                      new BufferedInputStream(s.getInputStream()),
                      s.getOutputStream(),
                      "n1",
                      "other-cluster",
                      TestServers.SECRET));
      assertTrue(e.getMessage().contains("cluster 'other-cluster'"), e.getMessage());
    }
  }

  @Test
  void aConnectionThatSaysNothingIsClosedAfterTheHandshakeTimeout() throws IOException {
    try (Socket s = connect()) {
      assertClosedWithOneReasonAndServing(s, "did not complete the handshake within 1000 ms");
    }
  }
}
