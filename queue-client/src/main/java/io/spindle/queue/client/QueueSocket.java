package io.spindle.queue.client;

import io.spindle.protocol.queue.ClientHello;
import io.spindle.protocol.queue.QueueFrame;
import io.spindle.protocol.queue.QueueProtocol;
import io.spindle.protocol.queue.Welcome;
import io.spindle.protocol.tls.ClusterTls;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import javax.net.ssl.SSLException;

/**
 * A blocking socket to a queue server after the hello: the client's side of the handshake
 * (queue.proto, ClientHello, answered by a Welcome or a Goodbye), then frames written and read as
 * they are. {@link QueueConnection} routes the replies read here to their requests; a caller that
 * wants every frame as it comes (a test of the server) reads them itself.
 *
 * <p>Writes are serialized; frames are read by one thread at a time.
 */
public final class QueueSocket implements AutoCloseable {
  private final ServerAddress address;
  private final Socket socket;
  private final InputStream in;
  private final OutputStream out;
  private final Welcome welcome;

  private QueueSocket(
      ServerAddress address, Socket socket, InputStream in, OutputStream out, Welcome welcome) {
    this.address = address;
    this.socket = socket;
    this.in = in;
    this.out = out;
    this.welcome = welcome;
  }

  /**
   * Connects (over TLS trusting {@code tls}'s CA, or in plain text if it is null) and says hello as
   * {@code agent} with {@code token}; throws {@link IOException} saying why it could not, {@link
   * TokenRefusedException} if the server refused the token.
   */
  public static QueueSocket open(
      ServerAddress address, Duration timeout, String agent, String token, ClusterTls tls)
      throws IOException {
    return open(address, timeout, timeout, agent, token, tls);
  }

  /**
   * As {@link #open(ServerAddress, Duration, String, String, ClusterTls)}, giving up on the TCP
   * connection after {@code connectTimeout} and on the TLS handshake and the hello's answer after
   * {@code helloTimeout}: a client with another server to try wants to know soon that this one is
   * gone.
   */
  public static QueueSocket open(
      ServerAddress address,
      Duration connectTimeout,
      Duration helloTimeout,
      String agent,
      String token,
      ClusterTls tls)
      throws IOException {
    Socket socket = new Socket();
    try {
      socket.connect(
          new InetSocketAddress(address.host(), address.port()), (int) connectTimeout.toMillis());
      socket.setTcpNoDelay(true);
      socket.setSoTimeout((int) helloTimeout.toMillis());
      if (tls != null) {
        try {
          socket = tls.wrap(socket, address.host(), address.port());
        } catch (SSLException e) {
          throw new IOException(
              "TLS with "
                  + address
                  + " failed: "
                  + e.getMessage()
                  + " (is --ca-file the CA of this cluster, and does the server speak TLS?)",
              e);
        }
      }
      InputStream in = new BufferedInputStream(socket.getInputStream(), 64 * 1024);
      OutputStream out = new BufferedOutputStream(socket.getOutputStream(), 64 * 1024);
      write(
          out,
          QueueFrame.newBuilder()
              .setClientHello(
                  ClientHello.newBuilder()
                      .setProtocolVersion(QueueProtocol.VERSION)
                      .setAgent(agent)
                      .setToken(token == null ? "" : token))
              .build());
      QueueFrame f;
      try {
        f = read(in, QueueProtocol.MAX_HANDSHAKE_FRAME_SIZE);
      } catch (IOException e) {
        if (tls != null) {
          throw e;
        }
        throw new IOException(
            "no answer to the hello ("
                + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage())
                + "); if the server speaks TLS, give the cluster's CA certificate: --ca-file or"
                + " SPINDLE_CA_FILE (bin/spindle up writes run/ca.pem)",
            e);
      }
      if (f.hasClientGoodbye()) {
        String reason = f.getClientGoodbye().getReason();
        if (reason.contains("token") || reason.contains("accepts no client")) {
          throw new TokenRefusedException(reason);
        }
        throw new IOException("refused: " + reason);
      }
      if (!f.hasClientWelcome()) {
        throw new IOException("answered the hello with " + f.getClientCase() + ", not a Welcome");
      }
      socket.setSoTimeout(0);
      return new QueueSocket(address, socket, in, out, f.getClientWelcome());
    } catch (IOException e) {
      socket.close();
      throw e;
    }
  }

  /**
   * A socket whose handshake its caller did (another hello than the client's, such as a federation
   * member's FederationHello), answered by {@code welcome}; {@code in} and {@code out} are the
   * socket's buffered streams that the handshake used.
   */
  public static QueueSocket welcomed(
      ServerAddress address, Socket socket, InputStream in, OutputStream out, Welcome welcome) {
    return new QueueSocket(address, socket, in, out, welcome);
  }

  public ServerAddress address() {
    return address;
  }

  public Welcome welcome() {
    return welcome;
  }

  /** Writes one frame and flushes it; writers from many threads take turns. */
  public void write(QueueFrame frame) throws IOException {
    synchronized (out) {
      write(out, frame);
    }
  }

  /**
   * The next frame; one over the Welcome's frame size is refused before its body is read, and
   * {@link EOFException} says the server closed the connection.
   */
  public QueueFrame read() throws IOException {
    return read(in, welcome.getMaxFrameSize());
  }

  /** Closes the connection; a reader blocked in {@link #read} gets an {@link IOException}. */
  @Override
  public void close() throws IOException {
    socket.close();
  }

  /** Resets the connection (no orderly close), as a crashed client's ends. */
  public void abort() {
    try {
      socket.setSoLinger(true, 0);
      socket.close();
    } catch (IOException ignored) {
      // gone anyway
    }
  }

  private static void write(OutputStream out, QueueFrame frame) throws IOException {
    frame.writeDelimitedTo(out);
    out.flush();
  }

  /** One frame; a length over {@code max} is refused before its body is read. */
  private static QueueFrame read(InputStream in, int max) throws IOException {
    int length = 0;
    for (int shift = 0; ; shift += 7) {
      if (shift >= 35) {
        throw new IOException("malformed frame from the server");
      }
      int b = in.read();
      if (b < 0) {
        throw new EOFException();
      }
      length |= (b & 0x7F) << shift;
      if ((b & 0x80) == 0) {
        break;
      }
    }
    if (length < 0 || length > max) {
      throw new IOException("the server sent a frame of " + length + " bytes, over " + max);
    }
    byte[] body = in.readNBytes(length);
    if (body.length < length) {
      throw new EOFException();
    }
    return QueueFrame.parseFrom(body);
  }
}
