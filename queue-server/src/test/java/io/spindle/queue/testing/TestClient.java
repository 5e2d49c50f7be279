package io.spindle.queue.testing;

import com.google.protobuf.ByteString;
import io.spindle.protocol.federation.FederationSecret;
import io.spindle.protocol.queue.FederationHello;
import io.spindle.protocol.queue.Goodbye;
import io.spindle.protocol.queue.NodeProof;
import io.spindle.protocol.queue.QueueFrame;
import io.spindle.protocol.queue.QueueProtocol;
import io.spindle.protocol.queue.Reply;
import io.spindle.protocol.queue.Request;
import io.spindle.protocol.queue.ServerChallenge;
import io.spindle.protocol.queue.Welcome;
import io.spindle.protocol.queue.WriteChunk;
import io.spindle.queue.client.QueueSocket;
import io.spindle.queue.client.ServerAddress;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A bare client of the queue server over real TCP, for the server's own tests: connects and says
 * hello with queue-client's {@link QueueSocket} (as the {@code spindle} client does), sends frames,
 * and collects the replies to any request id, awaited or not, so a test sees what the server
 * answered and what it did not. A federation member's hello is this class's own ({@link
 * #federationHandshake}: the client library speaks only the ClientHello), in raw frames a test can
 * also send wrong.
 */
public final class TestClient implements AutoCloseable {
  private static final Duration TIMEOUT = Duration.ofSeconds(10);

  private final QueueSocket socket;
  private final Map<String, BlockingQueue<Reply>> replies = new ConcurrentHashMap<>();
  private volatile Goodbye goodbye;
  private volatile boolean closed;

  private TestClient(QueueSocket socket) {
    this.socket = socket;
  }

  /** Connects with {@link TestServers#TOKEN}. */
  public static TestClient connect(InetSocketAddress server) throws IOException {
    return connect(server, TestServers.TOKEN);
  }

  public static TestClient connect(InetSocketAddress server, String token) throws IOException {
    return connect(server, token, null);
  }

  /**
   * Connects over TLS trusting {@code tls}'s CA, or in plain text if it is null; a refusal or a
   * failed TLS handshake is the client library's {@link IOException}.
   */
  public static TestClient connect(
      InetSocketAddress server, String token, io.spindle.protocol.tls.ClusterTls tls)
      throws IOException {
    return start(
        new TestClient(QueueSocket.open(address(server), TIMEOUT, "test-client", token, tls)),
        "test-client-reader");
  }

  /**
   * Connects as a member of the federation: node {@code nodeId}, the leader of cluster {@code
   * clusterId}, proving {@code federationSecret} (in plain text).
   *
   * @throws TestNode.RefusedException the server refused the connection; the message is its
   *     Goodbye's reason
   */
  public static TestClient connectFederation(
      InetSocketAddress server, String clusterId, String nodeId, byte[] federationSecret)
      throws IOException {
    Socket socket = new Socket();
    socket.connect(server, 5_000);
    socket.setTcpNoDelay(true);
    socket.setSoTimeout(10_000);
    InputStream in = new BufferedInputStream(socket.getInputStream());
    OutputStream out = new BufferedOutputStream(socket.getOutputStream());
    Welcome welcome;
    try {
      welcome = federationHandshake(in, out, clusterId, nodeId, federationSecret);
    } catch (IOException e) {
      socket.close();
      throw e;
    }
    socket.setSoTimeout(0);
    return start(
        new TestClient(QueueSocket.welcomed(address(server), socket, in, out, welcome)),
        "test-federation-member-reader");
  }

  private static ServerAddress address(InetSocketAddress server) {
    return new ServerAddress(server.getHostString(), server.getPort());
  }

  private static TestClient start(TestClient c, String readerName) {
    Thread reader = new Thread(c::readLoop, readerName);
    reader.setDaemon(true);
    reader.start();
    return c;
  }

  /**
   * A federation member's side of the handshake (queue.proto, FederationHello); returns the
   * server's Welcome. The member sends its proof even when the server's does not verify (so a test
   * sees the server refuse it), and fails only if it is welcomed all the same.
   *
   * @throws TestNode.RefusedException the server said Goodbye; the message is its reason
   */
  public static Welcome federationHandshake(
      InputStream in, OutputStream out, String clusterId, String nodeId, byte[] secret)
      throws IOException {
    byte[] nonce = new byte[QueueProtocol.NONCE_BYTES];
    new SecureRandom().nextBytes(nonce);
    FrameIO.write(
        out,
        QueueFrame.newBuilder()
            .setFederationHello(
                FederationHello.newBuilder()
                    .setProtocolVersion(QueueProtocol.VERSION)
                    .setClusterId(clusterId)
                    .setNodeId(nodeId)
                    .setNonce(ByteString.copyFrom(nonce)))
            .build());
    QueueFrame f = FrameIO.read(in, QueueProtocol.MAX_HANDSHAKE_FRAME_SIZE);
    if (f.hasClientGoodbye()) {
      throw new TestNode.RefusedException(f.getClientGoodbye().getReason());
    }
    if (!f.hasFederationChallenge()) {
      throw new IOException("expected a federation challenge, got " + f);
    }
    ServerChallenge c = f.getFederationChallenge();
    byte[] serverNonce = c.getNonce().toByteArray();
    FederationSecret federation = new FederationSecret(secret);
    boolean serverProved =
        federation.verifies(
            QueueProtocol.transcript(
                QueueProtocol.FEDERATION_SERVER,
                QueueProtocol.VERSION,
                clusterId,
                nodeId,
                c.getServerId(),
                nonce,
                serverNonce),
            c.getProof().toByteArray());
    byte[] proof =
        federation.prove(
            QueueProtocol.transcript(
                QueueProtocol.FEDERATION_MEMBER,
                QueueProtocol.VERSION,
                clusterId,
                nodeId,
                c.getServerId(),
                nonce,
                serverNonce));
    FrameIO.write(
        out,
        QueueFrame.newBuilder()
            .setFederationProof(NodeProof.newBuilder().setProof(ByteString.copyFrom(proof)))
            .build());
    QueueFrame w = FrameIO.read(in, QueueProtocol.MAX_HANDSHAKE_FRAME_SIZE);
    if (w.hasClientGoodbye()) {
      throw new TestNode.RefusedException(w.getClientGoodbye().getReason());
    }
    if (!w.hasClientWelcome()) {
      throw new IOException("expected a Welcome, got " + w);
    }
    if (!serverProved) {
      throw new IOException("welcomed by a queue server that did not prove the federation secret");
    }
    return w.getClientWelcome();
  }

  public Welcome welcome() {
    return socket.welcome();
  }

  public void send(QueueFrame frame) throws IOException {
    socket.write(frame);
  }

  public void send(Request request) throws IOException {
    send(QueueFrame.newBuilder().setRequest(request).build());
  }

  /** Sends {@code request} and waits for its first reply. */
  public Reply call(Request request) throws IOException {
    send(request);
    return next(request.getRequestId());
  }

  /** The next reply to {@code requestId}, waiting up to 10 s. */
  public Reply next(String requestId) {
    try {
      Reply r = queue(requestId).poll(10, TimeUnit.SECONDS);
      if (r == null) {
        throw new AssertionError(
            "no reply to " + requestId + " within 10 s" + (closed ? " (connection closed)" : ""));
      }
      return r;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted");
    }
  }

  /** Whether a reply to {@code requestId} is waiting now. */
  public boolean hasReply(String requestId) {
    return !queue(requestId).isEmpty();
  }

  public void sendChunk(String uploadId, int index, byte[] data, byte[] sha256) throws IOException {
    send(
        QueueFrame.newBuilder()
            .setWriteChunk(
                WriteChunk.newBuilder()
                    .setUploadId(uploadId)
                    .setIndex(index)
                    .setSha256(ByteString.copyFrom(sha256))
                    .setData(ByteString.copyFrom(data)))
            .build());
  }

  public boolean isClosed() {
    return closed;
  }

  public Goodbye goodbye() {
    return goodbye;
  }

  /** Resets the connection, as a crashed client would. */
  public void kill() {
    closed = true;
    socket.abort();
  }

  @Override
  public void close() {
    kill();
  }

  private BlockingQueue<Reply> queue(String requestId) {
    return replies.computeIfAbsent(requestId, k -> new LinkedBlockingQueue<>());
  }

  private void readLoop() {
    try {
      while (true) {
        QueueFrame f = socket.read();
        if (f.hasReply()) {
          queue(f.getReply().getRequestId()).add(f.getReply());
        } else if (f.hasClientGoodbye()) {
          goodbye = f.getClientGoodbye();
        }
      }
    } catch (IOException e) {
      closed = true;
    }
  }
}
