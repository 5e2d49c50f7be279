package io.spindle.system;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.spindle.protocol.queue.ClientHello;
import io.spindle.protocol.queue.QueueFrame;
import io.spindle.protocol.queue.QueueProtocol;
import io.spindle.protocol.queue.Request;
import io.spindle.protocol.queue.Status;
import io.spindle.protocol.queue.StatusResult;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.locks.LockSupport;

/** A client connection to a queue server that asks for its status as often as needed. */
final class StatusProbe implements AutoCloseable {
  private final Socket socket;
  private final InputStream in;
  private final OutputStream out;
  private long requests;

  /** How long {@link #await} waits for a status. */
  static final Duration WITHIN = Duration.ofSeconds(150);

  StatusProbe(int port) throws IOException {
    Socket plain = new Socket("127.0.0.1", port);
    plain.setSoTimeout(10_000);
    socket = SystemTls.client().wrap(plain, "127.0.0.1", port);
    in = socket.getInputStream();
    out = socket.getOutputStream();
    QueueFrame.newBuilder()
        .setClientHello(
            ClientHello.newBuilder()
                .setProtocolVersion(QueueProtocol.VERSION)
                .setAgent("system-test-status-probe")
                .setToken(SystemTokens.TOKEN))
        .build()
        .writeDelimitedTo(out);
    QueueFrame welcome = QueueFrame.parseDelimitedFrom(in);
    assertNotNull(welcome);
    assertTrue(welcome.hasClientWelcome(), welcome::toString);
  }

  StatusResult status() throws IOException {
    QueueFrame.newBuilder()
        .setRequest(
            Request.newBuilder()
                .setRequestId("status-" + (++requests))
                .setStatus(Status.getDefaultInstance()))
        .build()
        .writeDelimitedTo(out);
    while (true) {
      QueueFrame f = QueueFrame.parseDelimitedFrom(in);
      if (f == null) {
        throw new IOException("the queue server closed the connection");
      }
      if (f.hasReply() && f.getReply().hasStatus()) {
        return f.getReply().getStatus();
      }
    }
  }

  StatusResult await(String what, java.util.function.Predicate<StatusResult> condition)
      throws Exception {
    Instant deadline = Instant.now().plus(WITHIN);
    StatusResult last = null;
    while (Instant.now().isBefore(deadline)) {
      last = status();
      if (condition.test(last)) {
        return last;
      }
      LockSupport.parkNanos(10_000_000); // pacing between polls, not a wait for the state
    }
    fail("not within " + WITHIN + ": " + what + "; last status: " + last);
    return null;
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
