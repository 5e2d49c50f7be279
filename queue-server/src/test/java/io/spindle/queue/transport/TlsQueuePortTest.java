package io.spindle.queue.transport;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spindle.protocol.queue.ClientHello;
import io.spindle.protocol.queue.QueueFrame;
import io.spindle.protocol.queue.QueueProtocol;
import io.spindle.protocol.queue.Reply;
import io.spindle.protocol.queue.Request;
import io.spindle.protocol.queue.Status;
import io.spindle.protocol.tls.ClusterCertificates;
import io.spindle.protocol.tls.ClusterTls;
import io.spindle.queue.QueueServer;
import io.spindle.queue.testing.FrameIO;
import io.spindle.queue.testing.TestClient;
import io.spindle.queue.testing.TestServers;
import io.spindle.testkit.Await;
import io.spindle.testkit.LogCapture;
import io.spindle.testkit.ManualClock;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import java.util.logging.Level;
import javax.net.ssl.SSLException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The queue port with TLS: clients of the cluster's CA are served, everyone else is not. */
class TlsQueuePortTest {
  @TempDir Path dir;
  private ClusterCertificates certs;
  private QueueServer server;
  private LogCapture log;

  @BeforeEach
  void start() throws Exception {
    log = LogCapture.start("io.spindle.queue");
    certs =
        ClusterCertificates.ensure(dir.resolve("tls"), "test-cluster").member("queue", List.of());
    server =
        TestServers.start(
            TestServers.config(dir.resolve("spool"))
                .withTls(
                    ClusterTls.server(
                        certs.caFile(), certs.certFile("queue"), certs.keyFile("queue"))),
            new ManualClock());
  }

  @AfterEach
  void stop() {
    server.close();
    log.close();
  }

  private static Request status() {
    return Request.newBuilder()
        .setRequestId(UUID.randomUUID().toString())
        .setStatus(Status.getDefaultInstance())
        .build();
  }

  @Test
  void aClientTrustingTheClusterCaIsServedOverTls() throws IOException {
    try (TestClient c =
        TestClient.connect(
            server.localAddress(), TestServers.TOKEN, ClusterTls.client(certs.caFile()))) {
      Reply r = c.call(status());
      assertTrue(r.hasStatus(), r.toString());
    }
  }

  @Test
  void aPlainTextHelloIsRefusedAndTheServerGoesOn() throws IOException {
    try (Socket plain = new Socket("127.0.0.1", server.localAddress().getPort())) {
      plain.setSoTimeout(10_000);
      FrameIO.write(
          plain.getOutputStream(),
          QueueFrame.newBuilder()
              .setClientHello(
                  ClientHello.newBuilder()
                      .setProtocolVersion(QueueProtocol.VERSION)
                      .setToken(TestServers.TOKEN))
              .build());
      InputStream in = plain.getInputStream();
      byte[] answer = in.readAllBytes(); // until the server closes: at most a TLS alert
      assertTrue(answer.length < 64, "no Welcome, only an alert: " + answer.length + " bytes");
    }
    Await.until(
        () -> log.contains(Level.WARNING, "closing connection", "not TLS"),
        () -> "the refusal was logged: " + log.messages(Level.ALL));
    assertTrue(
        log.messages(Level.ALL).stream()
            .noneMatch(
                m ->
                    m.contains(TestServers.TOKEN)
                        || m.contains(
                            java.util.HexFormat.of()
                                .formatHex(
                                    TestServers.TOKEN.getBytes(
                                        java.nio.charset.StandardCharsets.US_ASCII)))),
        "the token the client sent in plain text is not in the log");
    aClientTrustingTheClusterCaIsServedOverTls();
  }

  @Test
  void aClientOfAnotherCaDoesNotTrustTheServer() throws Exception {
    ClusterCertificates other = ClusterCertificates.ensure(dir.resolve("other"), "test-cluster");
    IOException refused =
        assertThrows(
            IOException.class,
            () ->
                TestClient.connect(
                        server.localAddress(), TestServers.TOKEN, ClusterTls.client(other.caFile()))
                    .close());
    assertInstanceOf(SSLException.class, refused.getCause(), refused.toString());
    aClientTrustingTheClusterCaIsServedOverTls();
  }
}
