package io.spindle.node.domain.group;

import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * What a member joins (or renews) with: its address, its lease's length, its metadata and how the
 * cluster checks it. Validated on construction.
 *
 * @param address where the member is reached: any text for a lease member; {@code host:port} for a
 *     TCP probe; an {@code http(s)://} URL or {@code host:port} (GET {@code /}) for an HTTP probe
 * @param ttl how long the member stays without a renewal (or successful probe): 1 s to 1 hour
 * @param meta the member's own key/value pairs (at most {@value #MAX_META_ENTRIES}, keys of 1 to
 *     {@value #MAX_META_KEY_CHARS} characters, {@value #MAX_META_BYTES} bytes of UTF-8 in all)
 */
public record MemberSpec(String address, Duration ttl, Map<String, String> meta, Probe probe) {
  public static final Duration DEFAULT_TTL = Duration.ofSeconds(30);
  public static final Duration MIN_TTL = Duration.ofSeconds(1);
  public static final Duration MAX_TTL = Duration.ofHours(1);
  public static final int MAX_ADDRESS_CHARS = 512;
  public static final int MAX_META_ENTRIES = 64;
  public static final int MAX_META_KEY_CHARS = 128;
  public static final int MAX_META_BYTES = 8192;

  public MemberSpec {
    Objects.requireNonNull(probe, "probe");
    ttl = ttl == null ? DEFAULT_TTL : ttl;
    meta = meta == null ? Map.of() : java.util.Collections.unmodifiableMap(new TreeMap<>(meta));
    String problem = problem(address, ttl, meta, probe);
    if (problem != null) {
      throw new InvalidGroupRequestException(problem);
    }
  }

  /** The URI an HTTP probe GETs. */
  public URI httpProbeUri() {
    return address.startsWith("http://") || address.startsWith("https://")
        ? URI.create(address)
        : URI.create("http://" + address + "/");
  }

  /** The host and port of a TCP probe (or of an HTTP probe's URL). */
  public java.net.InetSocketAddress socketAddress() {
    URI uri = probe == Probe.HTTP ? httpProbeUri() : URI.create("tcp://" + address);
    int port = uri.getPort();
    if (port < 0) {
      port = "https".equals(uri.getScheme()) ? 443 : 80;
    }
    return java.net.InetSocketAddress.createUnresolved(uri.getHost(), port);
  }

  private static String problem(
      String address, Duration ttl, Map<String, String> meta, Probe probe) {
    if (address == null || address.isBlank()) {
      return "a member needs an address (where it is reached, e.g. 10.0.0.7:8080)";
    }
    if (address.length() > MAX_ADDRESS_CHARS) {
      return "an address is at most " + MAX_ADDRESS_CHARS + " characters";
    }
    if (address.chars().anyMatch(Character::isISOControl)) {
      return "an address must not contain control characters";
    }
    if (ttl.compareTo(MIN_TTL) < 0 || ttl.compareTo(MAX_TTL) > 0) {
      return "ttlSeconds is from 1 to 3600, not " + ttl.toSeconds();
    }
    if (meta.size() > MAX_META_ENTRIES) {
      return "meta has at most " + MAX_META_ENTRIES + " entries, not " + meta.size();
    }
    int bytes = 0;
    for (Map.Entry<String, String> e : meta.entrySet()) {
      String key = e.getKey();
      if (key == null || key.isEmpty() || key.length() > MAX_META_KEY_CHARS) {
        return "a meta key has 1 to " + MAX_META_KEY_CHARS + " characters";
      }
      if (e.getValue() == null) {
        return "meta \"" + key + "\" has no value (values are strings)";
      }
      bytes +=
          key.getBytes(java.nio.charset.StandardCharsets.UTF_8).length
              + e.getValue().getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
    }
    if (bytes > MAX_META_BYTES) {
      return "meta is at most " + MAX_META_BYTES + " bytes of UTF-8 in all, not " + bytes;
    }
    if (probe == Probe.NONE) {
      return null;
    }
    try {
      URI uri =
          probe == Probe.HTTP && (address.startsWith("http://") || address.startsWith("https://"))
              ? new URI(address)
              : new URI("tcp://" + address);
      if (uri.getHost() == null || (probe == Probe.TCP && uri.getPort() < 0)) {
        throw new java.net.URISyntaxException(address, "no host or port");
      }
      if (probe == Probe.TCP && uri.getRawPath() != null && !uri.getRawPath().isEmpty()) {
        throw new java.net.URISyntaxException(address, "a path");
      }
    } catch (java.net.URISyntaxException e) {
      return "a "
          + probe.label()
          + " probe needs an address of the form "
          + (probe == Probe.TCP ? "host:port" : "host:port or http://host:port/path")
          + ", not \""
          + address
          + "\"";
    }
    return null;
  }
}
