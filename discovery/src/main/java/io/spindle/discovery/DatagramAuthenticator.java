package io.spindle.discovery;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.spindle.protocol.discovery.DiscoveryBody;
import io.spindle.protocol.discovery.DiscoveryDatagram;
import java.io.ByteArrayOutputStream;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Signs outgoing discovery datagrams and checks incoming ones, as {@code discovery.proto}
 * describes: size, envelope, version, cluster, HMAC-SHA256 (constant-time compare), timestamp
 * within the skew window, nonce not seen within the window, and a body that parses. Every datagram
 * that fails is counted and logged once with its reason at a rate-limited WARNING; the secret and
 * the derived key are never logged, and {@link #toString()} shows neither.
 *
 * <p>One authenticator per receiving socket owner (a server or a client), since it holds the replay
 * cache of what that side accepted. Thread-safe; {@link #verify} and {@link #sign} compute one HMAC
 * each and never block.
 */
public final class DatagramAuthenticator {
  /** Bumped on any incompatible change to discovery.proto or to the signed transcript. */
  public static final int PROTOCOL_VERSION = 1;

  public static final int NONCE_BYTES = 16;
  public static final int HMAC_BYTES = 32;

  /** The largest datagram sent or accepted; a receiver reads into a buffer one byte larger. */
  public static final int MAX_DATAGRAM_BYTES = 8192;

  /** How many nonces are remembered at most; beyond it fresh datagrams are refused, not trusted. */
  public static final int DEFAULT_REPLAY_CACHE_CAPACITY = 8192;

  private static final String HMAC = "HmacSHA256";
  private static final byte[] KEY_LABEL = bytes("spindle-discovery-key-v1");
  private static final byte[] DOMAIN = bytes("spindle-discovery-datagram");

  /** What {@link #verify} found. */
  public sealed interface Verification permits Accepted, Dropped {}

  /**
   * An authentic, fresh datagram.
   *
   * @param body its message
   * @param nonce its nonce (an {@code EdgeList} answering it names it in {@code in_reply_to})
   * @param timestampMillis the sender's clock when it signed
   */
  public record Accepted(DiscoveryBody body, byte[] nonce, long timestampMillis)
      implements Verification {}

  /** A datagram refused, already counted and logged. */
  public record Dropped(DropReason reason, String detail) implements Verification {}

  /**
   * A datagram ready to send.
   *
   * @param bytes the datagram
   * @param nonce its nonce
   */
  public record Signed(byte[] bytes, byte[] nonce) {}

  private final String clusterId;
  private final byte[] clusterIdBytes;
  private final SecretKeySpec key;
  private final long skewWindowMillis;
  private final Clock clock;
  private final NonceSource nonces;
  private final ReplayCache replayCache;
  private final DropLog dropLog;

  /**
   * @param clusterId this side's cluster; datagrams of another are dropped
   * @param secret the cluster secret; the HMAC key is derived from it
   * @param skewWindow how far a timestamp may be from {@code clock}, and how long nonces are kept
   * @param clock the wall clock that stamps and checks timestamps
   * @param nonces where this side's nonces come from
   */
  public DatagramAuthenticator(
      String clusterId, byte[] secret, Duration skewWindow, Clock clock, NonceSource nonces) {
    this("discovery", clusterId, secret, skewWindow, clock, nonces, DEFAULT_REPLAY_CACHE_CAPACITY);
  }

  /** The system clock, secure random nonces and the settings' cluster, secret and window. */
  public static DatagramAuthenticator of(DiscoverySettings settings) {
    return forSide("discovery", settings, Clock.systemUTC(), NonceSource.secureRandom());
  }

  static DatagramAuthenticator forSide(
      String side, DiscoverySettings settings, Clock clock, NonceSource nonces) {
    return new DatagramAuthenticator(
        side,
        settings.clusterId(),
        settings.secret(),
        settings.skewWindow(),
        clock,
        nonces,
        DEFAULT_REPLAY_CACHE_CAPACITY);
  }

  DatagramAuthenticator(
      String side,
      String clusterId,
      byte[] secret,
      Duration skewWindow,
      Clock clock,
      NonceSource nonces,
      int replayCacheCapacity) {
    this.clusterId = DiscoverySettings.requireClusterId(clusterId);
    this.clusterIdBytes = bytes(clusterId);
    if (secret == null || secret.length == 0) {
      throw new IllegalArgumentException("the cluster secret is empty");
    }
    this.key = new SecretKeySpec(hmac(new SecretKeySpec(secret, HMAC), KEY_LABEL), HMAC);
    if (skewWindow.isNegative() || skewWindow.isZero()) {
      throw new IllegalArgumentException("the skew window must be positive: " + skewWindow);
    }
    this.skewWindowMillis = skewWindow.toMillis();
    this.clock = Objects.requireNonNull(clock, "clock");
    this.nonces = Objects.requireNonNull(nonces, "nonces");
    this.replayCache = new ReplayCache(replayCacheCapacity);
    this.dropLog = new DropLog(side, clock);
  }

  /**
   * Signs {@code body} with a fresh nonce and the current time.
   *
   * @throws IllegalArgumentException if the datagram would exceed {@link #MAX_DATAGRAM_BYTES}
   */
  public Signed sign(DiscoveryBody body) {
    byte[] nonce = new byte[NONCE_BYTES];
    nonces.fill(nonce);
    long now = clock.millis();
    ByteString bodyBytes = body.toByteString();
    byte[] mac = hmac(key, transcript(PROTOCOL_VERSION, clusterIdBytes, now, nonce, bodyBytes));
    byte[] datagram =
        DiscoveryDatagram.newBuilder()
            .setProtocolVersion(PROTOCOL_VERSION)
            .setClusterId(clusterId)
            .setTimestampMillis(now)
            .setNonce(ByteString.copyFrom(nonce))
            .setBody(bodyBytes)
            .setHmac(ByteString.copyFrom(mac))
            .build()
            .toByteArray();
    if (datagram.length > MAX_DATAGRAM_BYTES) {
      throw new IllegalArgumentException(
          "a "
              + body.getMessageCase()
              + " datagram of "
              + datagram.length
              + " bytes exceeds the discovery limit of "
              + MAX_DATAGRAM_BYTES
              + " bytes");
    }
    return new Signed(datagram, nonce);
  }

  /**
   * Checks the first {@code length} bytes of {@code buffer}, received from {@code source}. A drop
   * is counted and logged before this returns.
   */
  public Verification verify(byte[] buffer, int length, SocketAddress source) {
    if (length > MAX_DATAGRAM_BYTES) {
      return drop(source, DropReason.OVERSIZE, "at least " + length + " bytes");
    }
    DiscoveryDatagram datagram;
    try {
      datagram = DiscoveryDatagram.parseFrom(ByteBuffer.wrap(buffer, 0, length));
    } catch (InvalidProtocolBufferException e) {
      return drop(source, DropReason.MALFORMED, length + " bytes");
    }
    if (datagram.getProtocolVersion() != PROTOCOL_VERSION) {
      return drop(
          source,
          DropReason.WRONG_VERSION,
          "version " + datagram.getProtocolVersion() + ", this side speaks " + PROTOCOL_VERSION);
    }
    if (!datagram.getClusterId().equals(clusterId)) {
      return drop(
          source,
          DropReason.WRONG_CLUSTER,
          "cluster '" + printable(datagram.getClusterId()) + "', this side is '" + clusterId + "'");
    }
    if (datagram.getNonce().size() != NONCE_BYTES || datagram.getHmac().size() != HMAC_BYTES) {
      return drop(
          source,
          DropReason.BAD_NONCE,
          datagram.getNonce().size() + "-byte nonce, " + datagram.getHmac().size() + "-byte HMAC");
    }
    byte[] nonce = datagram.getNonce().toByteArray();
    byte[] expected =
        hmac(
            key,
            transcript(
                datagram.getProtocolVersion(),
                clusterIdBytes,
                datagram.getTimestampMillis(),
                nonce,
                datagram.getBody()));
    if (!MessageDigest.isEqual(expected, datagram.getHmac().toByteArray())) {
      return drop(source, DropReason.BAD_SIGNATURE, "");
    }
    long now = clock.millis();
    long age = now - datagram.getTimestampMillis();
    if (age > skewWindowMillis) {
      return drop(
          source, DropReason.STALE, age + " ms old, the window is " + skewWindowMillis + " ms");
    }
    if (-age > skewWindowMillis) {
      return drop(
          source, DropReason.FUTURE, -age + " ms ahead, the window is " + skewWindowMillis + " ms");
    }
    switch (replayCache.admit(nonce, datagram.getTimestampMillis() + skewWindowMillis, now)) {
      case REPLAYED:
        return drop(source, DropReason.REPLAYED, "");
      case FULL:
        return drop(source, DropReason.REPLAY_CACHE_FULL, "");
      case FRESH:
        break;
    }
    DiscoveryBody body;
    try {
      body = DiscoveryBody.parseFrom(datagram.getBody());
    } catch (InvalidProtocolBufferException e) {
      return drop(source, DropReason.BAD_BODY, "the body does not parse");
    }
    if (body.getMessageCase() == DiscoveryBody.MessageCase.MESSAGE_NOT_SET) {
      return drop(source, DropReason.BAD_BODY, "no message, or one this version does not know");
    }
    return new Accepted(body, nonce, datagram.getTimestampMillis());
  }

  /** Counts and logs a drop found by the caller after verification (a wrong kind, say). */
  Dropped drop(SocketAddress source, DropReason reason, String detail) {
    dropLog.drop(source, reason, detail);
    return new Dropped(reason, detail);
  }

  /** How many datagrams were dropped, by reason, since this authenticator was made. */
  public Map<DropReason, Long> drops() {
    return dropLog.counts();
  }

  public String clusterId() {
    return clusterId;
  }

  @Override
  public String toString() {
    return "DatagramAuthenticator[cluster=" + clusterId + ", key=(hidden)]";
  }

  private static byte[] transcript(
      int version, byte[] clusterId, long timestampMillis, byte[] nonce, ByteString body) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(64 + clusterId.length + body.size());
    putBytes(out, DOMAIN);
    putBytes(out, ByteBuffer.allocate(4).putInt(version).array());
    putBytes(out, clusterId);
    putBytes(out, ByteBuffer.allocate(8).putLong(timestampMillis).array());
    putBytes(out, nonce);
    putBytes(out, body.toByteArray());
    return out.toByteArray();
  }

  private static void putBytes(ByteArrayOutputStream out, byte[] bytes) {
    out.writeBytes(ByteBuffer.allocate(4).putInt(bytes.length).array());
    out.writeBytes(bytes);
  }

  private static byte[] hmac(SecretKeySpec key, byte[] data) {
    try {
      Mac mac = Mac.getInstance(HMAC);
      mac.init(key);
      return mac.doFinal(data);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("this JVM cannot compute " + HMAC, e);
    }
  }

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  /** A received string made safe for a log line: at most 64 characters, no control characters. */
  static String printable(String text) {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < text.length() && i < 64; i++) {
      char c = text.charAt(i);
      out.append(Character.isISOControl(c) ? '?' : c);
    }
    return text.length() > 64 ? out + "…" : out.toString();
  }
}
