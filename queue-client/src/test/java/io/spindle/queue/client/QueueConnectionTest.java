package io.spindle.queue.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spindle.protocol.queue.Goodbye;
import io.spindle.protocol.queue.QueueFrame;
import io.spindle.protocol.queue.QueueProtocol;
import io.spindle.protocol.queue.Reply;
import io.spindle.protocol.queue.Request;
import io.spindle.protocol.queue.Status;
import io.spindle.protocol.queue.Welcome;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The client against a one-connection server on loopback that plays its part frame by frame. */
class QueueConnectionTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(10);

  private final ServerSocket listener;

  QueueConnectionTest() throws IOException {
    listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
  }

  @AfterEach
  void stop() throws IOException {
    listener.close();
  }

  /** What the server does with one connection. */
  private interface Script {
    void play(InputStream in, OutputStream out) throws IOException;
  }

  private ServerAddress serve(Script script) {
    Thread t =
        new Thread(
            () -> {
              try (Socket s = listener.accept()) {
                script.play(
                    new BufferedInputStream(s.getInputStream()),
                    new BufferedOutputStream(s.getOutputStream()));
              } catch (IOException e) {
                // the client went away
              }
            },
            "scripted-server");
    t.setDaemon(true);
    t.start();
    return new ServerAddress("127.0.0.1", listener.getLocalPort());
  }

  private static void write(OutputStream out, QueueFrame.Builder f) throws IOException {
    f.build().writeDelimitedTo(out);
    out.flush();
  }

  private static QueueFrame welcome() {
    return QueueFrame.newBuilder()
        .setClientWelcome(
            Welcome.newBuilder()
                .setProtocolVersion(QueueProtocol.VERSION)
                .setServerId("s")
                .setMaxFrameSize(1 << 20))
        .build();
  }

  private static Request status(String id) {
    return Request.newBuilder().setRequestId(id).setStatus(Status.getDefaultInstance()).build();
  }

  @Test
  void repliesGoToTheirRequestsStreamOrFuture() throws Exception {
    ServerAddress address =
        serve(
            (in, out) -> {
              QueueFrame hello = QueueFrame.parseDelimitedFrom(in);
              assertEquals(
                  "spindle-cli/" + QueueProtocol.VERSION, hello.getClientHello().getAgent());
              assertEquals("t", hello.getClientHello().getToken());
              write(out, welcome().toBuilder());
              String a = QueueFrame.parseDelimitedFrom(in).getRequest().getRequestId();
              String b = QueueFrame.parseDelimitedFrom(in).getRequest().getRequestId();
              // answered out of order, with a reply nobody waits for in between
              write(out, QueueFrame.newBuilder().setReply(Reply.newBuilder().setRequestId(b)));
              write(out, QueueFrame.newBuilder().setReply(Reply.newBuilder().setRequestId("x")));
              write(out, QueueFrame.newBuilder().setReply(Reply.newBuilder().setRequestId(a)));
              QueueFrame.parseDelimitedFrom(in);
            });
    try (QueueConnection c = QueueConnection.open(address, TIMEOUT, "t", null)) {
      assertEquals("s", c.welcome().getServerId());
      assertEquals(address, c.address());
      try (QueueConnection.Replies a = c.send(status("a"))) {
        var b = c.ask(status("b"));
        assertEquals("b", b.get(10, TimeUnit.SECONDS).getRequestId());
        assertEquals("a", a.next(TIMEOUT).getRequestId());
      }
      assertTrue(c.isOpen());
    }
  }

  @Test
  void aRefusedTokenIsSaidSo() {
    ServerAddress address =
        serve(
            (in, out) -> {
              QueueFrame.parseDelimitedFrom(in);
              write(
                  out,
                  QueueFrame.newBuilder()
                      .setClientGoodbye(
                          Goodbye.newBuilder().setReason("refused: sent no client token")));
            });
    TokenRefusedException e =
        assertThrows(
            TokenRefusedException.class, () -> QueueConnection.open(address, TIMEOUT, "", null));
    assertEquals("refused: sent no client token", e.getMessage());
  }

  @Test
  void noAnswerToTheHelloSaysWhatToTry() {
    ServerAddress address = serve((in, out) -> QueueFrame.parseDelimitedFrom(in));
    IOException e =
        assertThrows(IOException.class, () -> QueueConnection.open(address, TIMEOUT, "t", null));
    assertTrue(e.getMessage().startsWith("no answer to the hello (EOFException)"), e.getMessage());
  }

  @Test
  void whenTheServerGoesEveryWaiterHearsWhy() throws Exception {
    ServerAddress address =
        serve(
            (in, out) -> {
              QueueFrame.parseDelimitedFrom(in);
              write(out, welcome().toBuilder());
              QueueFrame.parseDelimitedFrom(in);
              QueueFrame.parseDelimitedFrom(in);
              write(
                  out,
                  QueueFrame.newBuilder()
                      .setClientGoodbye(Goodbye.newBuilder().setReason("shutting down")));
            });
    QueueConnection c = QueueConnection.open(address, TIMEOUT, "t", null);
    QueueConnection.Replies a = c.send(status("a"));
    var b = c.ask(status("b"));
    IOException e = assertThrows(IOException.class, () -> a.next(TIMEOUT));
    assertEquals(address + ": the server closed the connection: shutting down", e.getMessage());
    ExecutionException f =
        assertThrows(ExecutionException.class, () -> b.get(10, TimeUnit.SECONDS));
    assertEquals(e.getMessage(), f.getCause().getMessage());
    assertFalse(c.isOpen());
    assertThrows(IOException.class, () -> c.sendChunk("u", 0, new byte[32], new byte[1], 1));
    c.close();
  }

  @Test
  void serverAddressesParseWithDefaultPortsAndIpv6() {
    assertEquals(
        List.of(
            new ServerAddress("a", 4000),
            new ServerAddress("b.example", 4001),
            new ServerAddress("::1", 4002)),
        ServerAddress.parseList("a, b.example:4001,[::1]:4002"));
    assertEquals("[::1]:4002", new ServerAddress("::1", 4002).toString());
    assertThrows(IllegalArgumentException.class, () -> ServerAddress.parseList(" , "));
    assertThrows(IllegalArgumentException.class, () -> ServerAddress.parse("h:99999"));
  }
}
