package io.spindle.queue.client;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import io.spindle.protocol.queue.QueueFrame;
import io.spindle.protocol.queue.QueueProtocol;
import io.spindle.protocol.queue.Reply;
import io.spindle.protocol.queue.Request;
import io.spindle.protocol.queue.Welcome;
import io.spindle.protocol.queue.WriteChunk;
import io.spindle.protocol.tls.ClusterTls;
import java.io.EOFException;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One connection to a queue server: the hello ({@link QueueSocket}), then requests with many in
 * flight, their replies routed by request id to a {@link Replies} stream (for a blocking caller) or
 * to a future (for many requests in flight from one thread, {@link #ask}), and upload chunks.
 *
 * <p>Thread-safe: writes are serialized; one daemon thread reads, and completes the futures of
 * {@link #ask}. When the connection dies, every waiting stream and future gets an {@link
 * IOException}: the request may or may not have been done, and a retry with the same request id (on
 * this or another server) has one effect.
 */
public final class QueueConnection implements AutoCloseable {
  private static final Reply CLOSED = Reply.newBuilder().setRequestId("\u0000closed").build();

  /** The agent the hello names: the {@code spindle} client's. */
  private static final String AGENT = "spindle-cli/" + QueueProtocol.VERSION;

  private final ServerAddress address;
  private final QueueSocket socket;
  private final Welcome welcome;
  private final Map<String, Sink> streams = new ConcurrentHashMap<>();
  private volatile String closedReason;

  private QueueConnection(QueueSocket socket) {
    this.address = socket.address();
    this.socket = socket;
    this.welcome = socket.welcome();
  }

  /**
   * Connects and says hello; throws {@link IOException} saying why it could not ({@link
   * TokenRefusedException} if the server refused the token).
   */
  public static QueueConnection open(
      ServerAddress address, Duration timeout, String token, ClusterTls tls) throws IOException {
    return open(address, timeout, timeout, token, tls);
  }

  /**
   * As {@link #open(ServerAddress, Duration, String, ClusterTls)}, with one limit for the TCP
   * connection and another for the TLS handshake and the hello (see {@link QueueSocket#open(
   * ServerAddress, Duration, Duration, String, String, ClusterTls)}).
   */
  public static QueueConnection open(
      ServerAddress address,
      Duration connectTimeout,
      Duration helloTimeout,
      String token,
      ClusterTls tls)
      throws IOException {
    QueueConnection c =
        new QueueConnection(
            QueueSocket.open(address, connectTimeout, helloTimeout, AGENT, token, tls));
    Thread reader = new Thread(c::readLoop, "spindle-reader-" + address);
    reader.setDaemon(true);
    reader.start();
    return c;
  }

  public ServerAddress address() {
    return address;
  }

  public Welcome welcome() {
    return welcome;
  }

  public boolean isOpen() {
    return closedReason == null;
  }

  /** Where the replies to one request go; called on the reader thread, must not block. */
  private interface Sink {
    void reply(Reply reply);

    void closed();
  }

  /** Sends {@code request}; its replies arrive on the returned stream. */
  public Replies send(Request request) throws IOException {
    Replies replies = new Replies(request.getRequestId(), new LinkedBlockingQueue<>());
    Sink registered = streams.putIfAbsent(request.getRequestId(), replies);
    if (registered instanceof Replies r) {
      replies = r; // a retry on this connection: the same stream
    } else if (registered != null) {
      throw new IllegalStateException(request.getRequestId() + " is already awaited by an ask");
    }
    if (!isOpen()) {
      replies.closed();
    }
    send(QueueFrame.newBuilder().setRequest(request).build());
    return replies;
  }

  /**
   * Sends a request answered by exactly one reply (every op but a chunked write: an inline write's
   * one reply is WriteDone or an Error); the future completes with that reply, on the reader
   * thread, so what depends on it must not block. It fails with {@link IOException} if the
   * connection dies first. The id must not be in flight on this connection already.
   */
  public CompletableFuture<Reply> ask(Request request) {
    Answer answer = new Answer(request.getRequestId());
    if (streams.putIfAbsent(request.getRequestId(), answer) != null) {
      answer.completeExceptionally(
          new IllegalStateException(request.getRequestId() + " is already in flight"));
      return answer;
    }
    if (!isOpen()) {
      answer.closed();
      return answer;
    }
    try {
      send(QueueFrame.newBuilder().setRequest(request).build());
    } catch (IOException e) {
      answer.closed();
    }
    return answer;
  }

  /** The one reply to an {@link #ask}; unregisters itself before it completes. */
  private final class Answer extends CompletableFuture<Reply> implements Sink {
    private final String requestId;

    Answer(String requestId) {
      this.requestId = requestId;
    }

    @Override
    public void reply(Reply reply) {
      streams.remove(requestId, this);
      complete(reply);
    }

    @Override
    public void closed() {
      streams.remove(requestId, this);
      completeExceptionally(new IOException(address + ": " + closedReason));
    }
  }

  /**
   * Sends chunk {@code index} of upload {@code uploadId}: the first {@code length} bytes of {@code
   * data}, written out before this returns (so the caller may reuse the buffer then).
   */
  public void sendChunk(String uploadId, int index, byte[] sha256, byte[] data, int length)
      throws IOException {
    send(
        QueueFrame.newBuilder()
            .setWriteChunk(
                WriteChunk.newBuilder()
                    .setUploadId(uploadId)
                    .setIndex(index)
                    .setSha256(ByteString.copyFrom(sha256))
                    .setData(UnsafeByteOperations.unsafeWrap(data, 0, length)))
            .build());
  }

  private void send(QueueFrame frame) throws IOException {
    if (!isOpen()) {
      throw new IOException(address + ": " + closedReason);
    }
    try {
      socket.write(frame);
    } catch (IOException e) {
      fail("the connection broke: " + e.getMessage());
      throw new IOException(address + ": " + closedReason, e);
    }
  }

  @Override
  public void close() {
    fail("closed");
  }

  /** The replies to one request, in order. */
  public final class Replies implements AutoCloseable, Sink {
    private final String requestId;
    private final BlockingQueue<Reply> queue;

    private Replies(String requestId, BlockingQueue<Reply> queue) {
      this.requestId = requestId;
      this.queue = queue;
    }

    /** The next reply; {@link IOException} if the connection died first. */
    public Reply next(Duration timeout) throws IOException, TimeoutException {
      try {
        Reply r = queue.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
        if (r == null) {
          throw new TimeoutException(
              address + " did not answer within " + timeout.toSeconds() + " s");
        }
        if (r == CLOSED) {
          queue.add(CLOSED);
          throw new IOException(address + ": " + closedReason);
        }
        return r;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted", e);
      }
    }

    @Override
    public void reply(Reply reply) {
      queue.add(reply);
    }

    @Override
    public void closed() {
      queue.add(CLOSED);
    }

    @Override
    public void close() {
      streams.remove(requestId, this);
    }
  }

  private void readLoop() {
    try {
      while (true) {
        QueueFrame f = socket.read();
        if (f.hasReply()) {
          Sink sink = streams.get(f.getReply().getRequestId());
          if (sink != null) {
            sink.reply(f.getReply());
          }
        } else if (f.hasClientGoodbye()) {
          fail("the server closed the connection: " + f.getClientGoodbye().getReason());
          return;
        }
      }
    } catch (EOFException e) {
      fail("the server closed the connection");
    } catch (IOException e) {
      fail("the connection broke: " + e.getMessage());
    }
  }

  private void fail(String reason) {
    synchronized (this) {
      if (closedReason != null) {
        return;
      }
      closedReason = reason;
    }
    try {
      socket.close();
    } catch (IOException ignored) {
      // closing anyway
    }
    for (Sink sink : streams.values()) {
      sink.closed();
    }
  }
}
