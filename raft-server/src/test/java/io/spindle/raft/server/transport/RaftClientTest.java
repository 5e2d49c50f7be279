package io.spindle.raft.server.transport;

import static io.spindle.testkit.Await.within;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.spindle.protocol.raft.ClientReply;
import io.spindle.protocol.raft.ClientRequest;
import io.spindle.raft.server.transport.TestNodes.Node;
import io.spindle.testkit.Await;
import io.spindle.testkit.LogCapture;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.logging.Level;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@link RaftClient} against a real transport on 127.0.0.1. */
class RaftClientTest {
  private final TestNodes nodes = new TestNodes();
  private final ExecutorService replier =
      Executors.newFixedThreadPool(2, TestNodes.threads("replier"));
  private LogCapture log;

  @BeforeEach
  void captureLog() {
    log = LogCapture.start("io.spindle.raft.server.transport");
  }

  @AfterEach
  void closeEverything() {
    nodes.close();
    replier.shutdownNow();
    log.close();
  }

  /** Answers every request with its command reversed: even ids at once, odd ids from a pool. */
  private final class Echo extends RecordingInboundHandler {
    @Override
    public void onClientRequest(ClientRequest request, Consumer<ClientReply> reply) {
      ClientReply answer =
          ClientReply.newBuilder()
              .setRequestId(request.getRequestId())
              .setStatus(ClientReply.Status.OK)
              .setIndex(request.getRequestId() + 1)
              .setResult(reversed(request.getCommand()))
              .build();
      if (request.getRequestId() % 2 == 0) {
        reply.accept(answer);
      } else {
        replier.execute(() -> reply.accept(answer));
      }
    }
  }

  private static ByteString reversed(ByteString bytes) {
    byte[] b = bytes.toByteArray();
    for (int i = 0, j = b.length - 1; i < j; i++, j--) {
      byte t = b[i];
      b[i] = b[j];
      b[j] = t;
    }
    return ByteString.copyFrom(b);
  }

  private static ClientRequest request(long id) {
    return ClientRequest.newBuilder()
        .setRequestId(id)
        .setCommand(ByteString.copyFromUtf8("command " + id))
        .build();
  }

  @Test
  void manyRequestsInFlightEachGetTheirReply() throws Exception {
    Node node = nodes.start("n1", 0, TestNodes.SECRET, TestNodes.CONFIG, new Echo());
    RaftClient client = nodes.client(node.address(), TestNodes.SECRET);

    int count = 5000;
    List<CompletableFuture<ClientReply>> replies = new ArrayList<>(count);
    for (int id = 0; id < count; id++) {
      replies.add(client.send(request(id)));
    }
    CompletableFuture.allOf(replies.toArray(new CompletableFuture<?>[0])).get(30, TimeUnit.SECONDS);
    for (int id = 0; id < count; id++) {
      ClientReply reply = replies.get(id).get();
      assertEquals(id, reply.getRequestId());
      assertEquals(id + 1, reply.getIndex());
      assertEquals(reversed(request(id).getCommand()), reply.getResult());
    }
    assertEquals(0, client.inFlight());
  }

  @Test
  void aRequestIdMayBeInFlightOnlyOnce() throws Exception {
    RecordingInboundHandler holding = new RecordingInboundHandler(); // replies when told
    Node node = nodes.start("n1", 0, TestNodes.SECRET, TestNodes.CONFIG, holding);
    RaftClient client = nodes.client(node.address(), TestNodes.SECRET);

    CompletableFuture<ClientReply> first = client.send(request(7));
    ExecutionException duplicate =
        assertThrows(
            ExecutionException.class, () -> client.send(request(7)).get(5, TimeUnit.SECONDS));
    assertInstanceOf(IllegalArgumentException.class, duplicate.getCause());

    Await.until(within(10), () -> holding.requests.size() == 1);
    holding.replies.get(0).accept(ClientReply.newBuilder().setRequestId(7).build());
    assertEquals(7, first.get(10, TimeUnit.SECONDS).getRequestId());
    assertEquals(1, holding.requests.size(), "the duplicate never left the client");
  }

  @Test
  void theWrongSecretIsRefused() throws Exception {
    Node node = nodes.start("n1", 0, TestNodes.SECRET, TestNodes.CONFIG, new Echo());
    RaftClient client = nodes.client(node.address(), TestNodes.WRONG_SECRET);

    ExecutionException e =
        assertThrows(
            ExecutionException.class, () -> client.send(request(1)).get(10, TimeUnit.SECONDS));
    HandshakeException refusal = assertInstanceOf(HandshakeException.class, e.getCause());
    assertTrue(refusal.refused());
    assertTrue(
        refusal.getMessage().contains("did not prove the cluster secret"), refusal.getMessage());
    assertTrue(node.inbox().nothingReceived());
    Await.until(within(10), () -> node.transport().refusedHandshakes() == 1);
    assertTrue(log.contains(Level.WARNING, "refused the handshake"));
    assertFalse(log.anyContains(new String(TestNodes.SECRET)));
    assertFalse(log.anyContains(new String(TestNodes.WRONG_SECRET)));
  }

  @Test
  void theClientReconnectsAfterTheNodeRestarts() throws Exception {
    Node node = nodes.start("n1", 0, TestNodes.SECRET, TestNodes.CONFIG, new Echo());
    int port = node.address().getPort();
    RaftClient client = nodes.client(node.address(), TestNodes.SECRET);
    assertEquals(1, client.send(request(1)).get(10, TimeUnit.SECONDS).getRequestId());

    node.transport().close();
    // A request sent while the node is down fails; none is left hanging.
    Await.until(
        within(10), () -> client.send(request(2)).handle((reply, error) -> error != null).join());

    nodes.start("n1", port, TestNodes.SECRET, TestNodes.CONFIG, new Echo());
    Await.until(
        within(10),
        () -> client.send(request(3)).handle((reply, error) -> error == null).join(),
        () -> "a request succeeded on a new connection");
    assertEquals(0, client.inFlight());
  }

  @Test
  void closingTheClientFailsWhatIsInFlight() throws Exception {
    RecordingInboundHandler silent = new RecordingInboundHandler();
    Node node = nodes.start("n1", 0, TestNodes.SECRET, TestNodes.CONFIG, silent);
    RaftClient client = nodes.client(node.address(), TestNodes.SECRET);
    CompletableFuture<ClientReply> pending = client.send(request(1));
    Await.until(within(10), () -> silent.requests.size() == 1);
    client.close();
    ExecutionException e =
        assertThrows(ExecutionException.class, () -> pending.get(5, TimeUnit.SECONDS));
    assertInstanceOf(java.io.IOException.class, e.getCause());
    assertTrue(client.send(request(2)).isCompletedExceptionally());
  }
}
