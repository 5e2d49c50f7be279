package io.spindle.discovery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import io.spindle.discovery.DatagramAuthenticator.Accepted;
import io.spindle.discovery.DatagramAuthenticator.Signed;
import io.spindle.protocol.discovery.DiscoveryBody;
import io.spindle.protocol.discovery.EdgeListProto;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * A scripted peer on 127.0.0.1 that sends hand-made datagrams and reads what comes back, with a
 * deadline on every read. Unicast on loopback only.
 */
final class TestNode implements AutoCloseable {
  static final String CLUSTER = "alpha";
  static final String SECRET_TEXT = "correct horse battery staple";
  static final byte[] SECRET = SECRET_TEXT.getBytes(StandardCharsets.UTF_8);
  static final byte[] WRONG_SECRET =
      "not the cluster secret at all".getBytes(StandardCharsets.UTF_8);

  static final AddNodeRequest N1 =
      new AddNodeRequest(
          "n1", new HostPort("127.0.0.1", 7001), URI.create("http://127.0.0.1:3001"), false);

  static final EdgeList EDGES =
      new EdgeList(
          new HostPort("127.0.0.1", 4000),
          CLUSTER,
          List.of(
              new EdgeMember(
                  "n0",
                  new HostPort("127.0.0.1", 7000),
                  Optional.of(URI.create("http://127.0.0.1:3000")),
                  true)),
          Optional.of("n0"));

  final DatagramSocket socket;
  final DatagramAuthenticator authenticator;

  TestNode(byte[] secret, String cluster) throws IOException {
    socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    socket.setSoTimeout(5_000);
    authenticator =
        DatagramAuthenticator.forSide(
            "test node",
            DiscoverySettings.builder(cluster, secret).loopback().build(),
            Clock.systemUTC(),
            NonceSource.secureRandom());
  }

  TestNode() throws IOException {
    this(SECRET, CLUSTER);
  }

  static DiscoverySettings.Builder loopbackSettings() {
    return DiscoverySettings.builder(CLUSTER, SECRET).loopback();
  }

  Signed request(AddNodeRequest request) {
    return authenticator.sign(DiscoveryMessages.body(request));
  }

  Signed edgeList(EdgeList edges, byte[] inReplyTo) {
    return authenticator.sign(DiscoveryMessages.body(edges, inReplyTo));
  }

  void send(byte[] datagram, InetSocketAddress to) throws IOException {
    socket.send(new DatagramPacket(datagram, datagram.length, to));
  }

  /** The next datagram, waiting at most {@code timeout}; empty if none came. */
  Optional<DatagramPacket> receive(Duration timeout) throws IOException {
    byte[] buffer = new byte[DatagramAuthenticator.MAX_DATAGRAM_BYTES + 1];
    DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
    socket.setSoTimeout((int) timeout.toMillis());
    try {
      socket.receive(packet);
      return Optional.of(packet);
    } catch (SocketTimeoutException e) {
      return Optional.empty();
    }
  }

  /** The next datagram, verified by this node's authenticator; fails the test if none comes. */
  Accepted receiveAccepted() throws IOException {
    DatagramPacket packet =
        receive(Duration.ofSeconds(5)).orElseThrow(() -> new AssertionError("no datagram came"));
    return assertInstanceOf(
        Accepted.class,
        authenticator.verify(packet.getData(), packet.getLength(), packet.getSocketAddress()));
  }

  /** Receives an edge list and checks it answers {@code request}. */
  EdgeList receiveEdgeListFor(Signed request) throws IOException {
    DiscoveryBody body = receiveAccepted().body();
    assertEquals(DiscoveryBody.MessageCase.EDGE_LIST, body.getMessageCase());
    EdgeListProto proto = body.getEdgeList();
    assertEquals(
        HexFormat.of().formatHex(request.nonce()),
        HexFormat.of().formatHex(proto.getInReplyTo().toByteArray()),
        "the reply names the request's nonce");
    return DiscoveryMessages.edgeList(proto);
  }

  int port() {
    return socket.getLocalPort();
  }

  @Override
  public void close() {
    socket.close();
  }
}
