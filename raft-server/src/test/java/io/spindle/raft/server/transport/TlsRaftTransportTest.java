package io.spindle.raft.server.transport;

import static io.spindle.testkit.Await.within;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.spindle.protocol.raft.ClientReply;
import io.spindle.protocol.raft.ClientRequest;
import io.spindle.protocol.tls.ClusterCertificates;
import io.spindle.protocol.tls.ClusterTls;
import io.spindle.raft.message.Heartbeat;
import io.spindle.raft.server.transport.TestNodes.Node;
import io.spindle.testkit.Await;
import io.spindle.testkit.LogCapture;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Raft port over TLS: members of the cluster's CA talk, plain text and strangers do not. */
class TlsRaftTransportTest {
  @TempDir static Path dir;
  private static ClusterCertificates certs;
  private final TestNodes nodes = new TestNodes();
  private LogCapture log;

  @BeforeAll
  static void makeCertificates() throws Exception {
    certs =
        ClusterCertificates.ensure(dir.resolve("tls"), "test")
            .member("n1", List.of())
            .member("n2", List.of());
  }

  @BeforeEach
  void captureLog() {
    log = LogCapture.start("io.spindle.raft.server.transport");
  }

  @AfterEach
  void closeEverything() {
    nodes.close();
    log.close();
  }

  private static ClusterTls tls(String name) throws Exception {
    return ClusterTls.server(certs.caFile(), certs.certFile(name), certs.keyFile(name));
  }

  private Node start(String id, ClusterTls tls) throws Exception {
    return nodes.start(
        id, 0, TestNodes.SECRET, TestNodes.CONFIG, tls, new RecordingInboundHandler());
  }

  @Test
  void twoMembersExchangeMessagesOverTls() throws Exception {
    Node a = start("n1", tls("n1"));
    Node b = start("n2", tls("n2"));
    TestNodes.meshed(a, b);
    Heartbeat hello = new Heartbeat(a.id(), b.id(), 1, 0, 42);
    Await.until(
        within(10),
        () -> {
          a.transport().send(hello);
          return b.inbox().messages.contains(hello);
        },
        () -> "n2 heard n1 over TLS");
  }

  @Test
  void aClientOverTlsGetsItsReply() throws Exception {
    RecordingInboundHandler holding = new RecordingInboundHandler();
    Node node = nodes.start("n1", 0, TestNodes.SECRET, TestNodes.CONFIG, tls("n1"), holding);
    RaftClient client =
        nodes.client(node.address(), TestNodes.SECRET, ClusterTls.client(certs.caFile()));
    CompletableFuture<ClientReply> reply =
        client.send(
            ClientRequest.newBuilder()
                .setRequestId(1)
                .setCommand(ByteString.copyFrom("x", StandardCharsets.UTF_8))
                .build());
    Await.until(within(10), () -> holding.requests.size() == 1);
    holding.replies.get(0).accept(ClientReply.newBuilder().setRequestId(1).build());
    assertEquals(1, reply.get(10, TimeUnit.SECONDS).getRequestId());
  }

  @Test
  void aPlainTextPeerNeverGetsThroughAndTheRefusalIsLogged() throws Exception {
    Node a = start("n1", tls("n1"));
    Node plain = start("n2", null);
    TestNodes.meshed(a, plain);
    Heartbeat hello = new Heartbeat(plain.id(), a.id(), 1, 0, 7);
    Await.until(
        within(10),
        () -> {
          plain.transport().send(hello);
          return log.anyContains("not TLS");
        },
        () -> "n1 refused the plain-text dial");
    assertTrue(a.inbox().messages.isEmpty(), "nothing got through");
  }

  @Test
  void aPeerOfAnotherCaIsNotTrusted() throws Exception {
    ClusterCertificates other =
        ClusterCertificates.ensure(dir.resolve("other"), "test").member("n2", List.of());
    Node a = start("n1", tls("n1"));
    Node stranger =
        start("n2", ClusterTls.server(other.caFile(), other.certFile("n2"), other.keyFile("n2")));
    TestNodes.meshed(a, stranger);
    Heartbeat hello = new Heartbeat(stranger.id(), a.id(), 1, 0, 9);
    Await.until(
        within(10),
        () -> {
          stranger.transport().send(hello);
          return log.anyContains("PKIX") || log.anyContains("certificate");
        },
        () -> "the stranger could not verify n1's certificate");
    assertTrue(a.inbox().messages.isEmpty());
  }

  @Test
  void garbageOnTheTlsPortIsRefusedWithoutDumpingIt() throws Exception {
    Node a = start("n1", tls("n1"));
    String marker = "GARBAGE-MARKER-0123456789";
    try (Socket s = new Socket("127.0.0.1", a.address().getPort())) {
      s.getOutputStream().write(marker.repeat(10).getBytes(StandardCharsets.US_ASCII));
      s.getOutputStream().flush();
      s.setSoTimeout(10_000);
      s.getInputStream().readAllBytes();
    }
    Await.until(within(10), () -> log.anyContains("not TLS"), () -> "the refusal was logged");
    String hex = java.util.HexFormat.of().formatHex(marker.getBytes(StandardCharsets.US_ASCII));
    assertFalse(log.anyContains(hex), "the bytes received are not dumped into the log");
  }
}
