package io.spindle.discovery;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.spindle.discovery.DatagramAuthenticator.Accepted;
import io.spindle.discovery.DatagramAuthenticator.Dropped;
import io.spindle.discovery.DatagramAuthenticator.Signed;
import io.spindle.discovery.DatagramAuthenticator.Verification;
import io.spindle.protocol.discovery.DiscoveryBody;
import io.spindle.protocol.discovery.DiscoveryDatagram;
import io.spindle.protocol.discovery.EdgeListProto;
import io.spindle.testkit.LogCapture;
import io.spindle.testkit.ManualClock;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;
import java.util.logging.Level;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Signing and every check of discovery.proto, under a manual clock and counted nonces. */
class DatagramAuthenticatorTest {
  private static final String SECRET_TEXT = "correct horse battery staple";
  private static final byte[] SECRET = SECRET_TEXT.getBytes(StandardCharsets.UTF_8);
  private static final String CLUSTER = "alpha";
  private static final Duration WINDOW = Duration.ofSeconds(30);
  private static final InetSocketAddress FROM = new InetSocketAddress("127.0.0.1", 40000);
  private static final DiscoveryBody REQUEST =
      DiscoveryMessages.body(
          new AddNodeRequest(
              "n1", new HostPort("10.0.0.2", 7000), URI.create("http://10.0.0.2:3000"), false));

  private final ManualClock clock = new ManualClock(1_700_000_000_000L);
  private LogCapture log;

  @BeforeEach
  void captureLog() {
    log = LogCapture.start("io.spindle.discovery");
  }

  @AfterEach
  void secretNeverLogged() {
    log.close();
    assertFalse(log.anyContains(SECRET_TEXT), "the secret must never be logged");
  }

  private DatagramAuthenticator authenticator(String cluster, byte[] secret, long nonceTag) {
    return new DatagramAuthenticator(
        "test", cluster, secret, WINDOW, clock, new CountingNonces(nonceTag), 16);
  }

  private DatagramAuthenticator sender() {
    return authenticator(CLUSTER, SECRET, 1);
  }

  private DatagramAuthenticator receiver() {
    return authenticator(CLUSTER, SECRET, 2);
  }

  private static Verification verify(DatagramAuthenticator receiver, byte[] datagram) {
    return receiver.verify(datagram, datagram.length, FROM);
  }

  private static DropReason dropReason(Verification verification) {
    return assertInstanceOf(Dropped.class, verification, "expected a drop").reason();
  }

  @Test
  void signedDatagramVerifiesWithBodyNonceAndTimestamp() {
    Signed signed = sender().sign(REQUEST);

    Accepted accepted = assertInstanceOf(Accepted.class, verify(receiver(), signed.bytes()));

    assertEquals(REQUEST, accepted.body());
    assertArrayEquals(signed.nonce(), accepted.nonce());
    assertEquals(clock.millis(), accepted.timestampMillis());
    assertEquals(DatagramAuthenticator.NONCE_BYTES, signed.nonce().length);
  }

  @Test
  void everySingleFlippedBitIsRefused() {
    byte[] original = sender().sign(REQUEST).bytes();
    DatagramAuthenticator receiver = receiver();
    for (int i = 0; i < original.length; i++) {
      for (int bit = 0; bit < 8; bit++) {
        byte[] tampered = original.clone();
        tampered[i] ^= (byte) (1 << bit);
        Verification verification = verify(receiver, tampered);
        assertInstanceOf(
            Dropped.class, verification, "flipping bit " + bit + " of byte " + i + " was accepted");
      }
    }
    assertInstanceOf(Accepted.class, verify(receiver, original), "the original still verifies");
  }

  @Test
  void wrongSecretIsRefusedAsBadSignature() {
    byte[] forged =
        authenticator(CLUSTER, "another secret entirely".getBytes(StandardCharsets.UTF_8), 1)
            .sign(REQUEST)
            .bytes();
    DatagramAuthenticator receiver = receiver();

    assertEquals(DropReason.BAD_SIGNATURE, dropReason(verify(receiver, forged)));
    assertEquals(Map.of(DropReason.BAD_SIGNATURE, 1L), receiver.drops());
  }

  @Test
  void forgedBodyUnderAValidEnvelopeIsRefused() throws Exception {
    byte[] genuine = sender().sign(REQUEST).bytes();
    DiscoveryDatagram swapped =
        DiscoveryDatagram.parseFrom(genuine).toBuilder()
            .setBody(
                DiscoveryBody.newBuilder()
                    .setEdgeList(EdgeListProto.newBuilder().setClusterId(CLUSTER))
                    .build()
                    .toByteString())
            .build();

    assertEquals(DropReason.BAD_SIGNATURE, dropReason(verify(receiver(), swapped.toByteArray())));
  }

  @Test
  void replayWithinTheWindowIsRefused() {
    byte[] datagram = sender().sign(REQUEST).bytes();
    DatagramAuthenticator receiver = receiver();
    assertInstanceOf(Accepted.class, verify(receiver, datagram));

    clock.advance(Duration.ofSeconds(29));
    assertEquals(DropReason.REPLAYED, dropReason(verify(receiver, datagram)));

    clock.advance(Duration.ofSeconds(2));
    assertEquals(
        DropReason.STALE,
        dropReason(verify(receiver, datagram)),
        "past the window the timestamp refuses what the replay cache has forgotten");
  }

  @Test
  void timestampsOutsideTheWindowAreRefusedAndItsEdgesAccepted() {
    long signedAt = clock.millis();
    DatagramAuthenticator sender = sender();
    byte[] first = sender.sign(REQUEST).bytes();
    byte[] second = sender.sign(REQUEST).bytes();
    DatagramAuthenticator receiver = receiver();
    long window = WINDOW.toMillis();

    clock.set(signedAt + window + 1);
    assertEquals(DropReason.STALE, dropReason(verify(receiver, first)));
    clock.set(signedAt - window - 1);
    assertEquals(DropReason.FUTURE, dropReason(verify(receiver, first)));

    clock.set(signedAt + window);
    assertInstanceOf(Accepted.class, verify(receiver, first), "exactly the window old");
    clock.set(signedAt - window);
    assertInstanceOf(Accepted.class, verify(receiver, second), "exactly the window ahead");
  }

  @Test
  void oversizeIsDroppedBeforeParsing() {
    byte[] signed = sender().sign(REQUEST).bytes();
    byte[] big = Arrays.copyOf(signed, DatagramAuthenticator.MAX_DATAGRAM_BYTES + 1);

    assertEquals(DropReason.OVERSIZE, dropReason(verify(receiver(), big)));
  }

  @Test
  void truncatedGarbageAndEmptyDatagramsAreMalformedOrUnsigned() {
    byte[] signed = sender().sign(REQUEST).bytes();
    DatagramAuthenticator receiver = receiver();
    byte[] garbage = new byte[300];
    new Random(7).nextBytes(garbage);

    for (int cut = 1; cut < signed.length; cut++) {
      Verification verification = verify(receiver, Arrays.copyOf(signed, cut));
      assertInstanceOf(Dropped.class, verification, "a datagram cut to " + cut + " bytes");
    }
    assertEquals(DropReason.MALFORMED, dropReason(verify(receiver, garbage)));
    assertEquals(DropReason.WRONG_VERSION, dropReason(verify(receiver, new byte[0])));
    assertEquals(DropReason.MALFORMED, dropReason(verify(receiver, new byte[] {(byte) 0xff})));
  }

  @Test
  void wrongVersionAndWrongClusterAreDroppedBeforeTheHmac() throws Exception {
    DiscoveryDatagram genuine = DiscoveryDatagram.parseFrom(sender().sign(REQUEST).bytes());
    byte[] nextVersion = genuine.toBuilder().setProtocolVersion(2).build().toByteArray();
    byte[] otherCluster =
        authenticator("beta", SECRET, 1).sign(REQUEST).bytes(); // correctly signed, other cluster
    DatagramAuthenticator receiver = receiver();

    assertEquals(DropReason.WRONG_VERSION, dropReason(verify(receiver, nextVersion)));
    assertEquals(DropReason.WRONG_CLUSTER, dropReason(verify(receiver, otherCluster)));
  }

  @Test
  void nonceOfTheWrongLengthIsRefused() throws Exception {
    DiscoveryDatagram genuine = DiscoveryDatagram.parseFrom(sender().sign(REQUEST).bytes());
    byte[] shortNonce =
        genuine.toBuilder().setNonce(ByteString.copyFrom(new byte[8])).build().toByteArray();

    assertEquals(DropReason.BAD_NONCE, dropReason(verify(receiver(), shortNonce)));
  }

  @Test
  void authenticDatagramWithoutAMessageIsABadBody() {
    byte[] empty = sender().sign(DiscoveryBody.getDefaultInstance()).bytes();

    assertEquals(DropReason.BAD_BODY, dropReason(verify(receiver(), empty)));
  }

  @Test
  void replayCacheIsBoundedAndRefusesRatherThanForgets() {
    DatagramAuthenticator receiver =
        new DatagramAuthenticator("test", CLUSTER, SECRET, WINDOW, clock, new CountingNonces(2), 2);
    DatagramAuthenticator sender = sender();
    byte[] first = sender.sign(REQUEST).bytes();
    byte[] second = sender.sign(REQUEST).bytes();
    byte[] third = sender.sign(REQUEST).bytes();

    assertInstanceOf(Accepted.class, verify(receiver, first));
    assertInstanceOf(Accepted.class, verify(receiver, second));
    assertEquals(DropReason.REPLAY_CACHE_FULL, dropReason(verify(receiver, third)));
    assertEquals(DropReason.REPLAYED, dropReason(verify(receiver, first)));

    clock.advance(WINDOW.plusMillis(1));
    assertInstanceOf(
        Accepted.class,
        verify(receiver, sender.sign(REQUEST).bytes()),
        "expired nonces make room for fresh datagrams");
  }

  @Test
  void dropsAreLoggedWithTheirReasonAtARateLimitedWarning() {
    DatagramAuthenticator receiver = receiver();
    for (int i = 0; i < 5; i++) {
      verify(receiver, new byte[] {(byte) 0xff, (byte) i});
    }
    clock.advance(Duration.ofMillis(DropLog.WARNING_INTERVAL_MILLIS));
    verify(receiver, new byte[] {(byte) 0xff});

    var warnings = log.messages(Level.WARNING);
    assertEquals(2, warnings.size(), warnings.toString());
    assertTrue(warnings.get(0).contains("from " + FROM), warnings.get(0));
    assertTrue(warnings.get(0).contains("not a discovery datagram"), warnings.get(0));
    assertTrue(warnings.get(1).contains("4 more MALFORMED drops"), warnings.get(1));
    assertEquals(6, log.messagesAt(Level.FINE).size(), "every drop is logged at FINE");
    assertEquals(Map.of(DropReason.MALFORMED, 6L), receiver.drops());
  }

  @Test
  void secretIsNotInToStringAndAnEmptySecretIsRejected() {
    assertFalse(sender().toString().contains(SECRET_TEXT));
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> authenticator(CLUSTER, new byte[0], 1));
    assertTrue(e.getMessage().contains("secret is empty"), e.getMessage());
  }

  @Test
  void datagramsLargerThanTheLimitAreNotSigned() {
    EdgeListProto.Builder huge = EdgeListProto.newBuilder().setClusterId(CLUSTER);
    huge.setQueueServerAddress("x".repeat(DatagramAuthenticator.MAX_DATAGRAM_BYTES));
    DiscoveryBody body = DiscoveryBody.newBuilder().setEdgeList(huge).build();

    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> sender().sign(body));
    assertTrue(e.getMessage().contains("exceeds the discovery limit"), e.getMessage());
  }
}
