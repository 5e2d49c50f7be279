package io.spindle.discovery;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * How discovery runs, for the server and the client alike. Build one with {@link #builder}; every
 * value is checked here, and a wrong one fails with a message naming it and what would be right.
 * {@link #toString()} never shows the secret.
 *
 * @param clusterId the cluster's id, 1 to 64 characters of {@code [A-Za-z0-9._-]}; datagrams of
 *     another cluster are dropped
 * @param secret the cluster secret (the same bytes as the Raft transport's); a copy is kept
 * @param mode LAN or LOOPBACK; see {@link DiscoveryMode}
 * @param port the server's unicast and broadcast UDP port (default 8888); 0 lets a server pick a
 *     free port (tests), a client needs a real one
 * @param multicastGroup an IPv4 multicast group (default 239.0.0.1)
 * @param multicastPort the group's UDP port (default 10000); 0 as for {@code port}
 * @param interfaceName in LAN mode, the one network interface to use (the server joins the group on
 *     it, the client broadcasts and multicasts only through it); empty for every interface that is
 *     up. Must be empty in LOOPBACK mode, which always uses the loopback interface
 * @param broadcast whether a client broadcasts (LAN only)
 * @param broadcastAddresses where a client broadcasts; empty for 255.255.255.255 plus each
 *     interface's broadcast address
 * @param multicast whether a client multicasts and a server joins the group
 * @param unicastTargets where a client also sends its request directly (in LOOPBACK mode by default
 *     127.0.0.1:port; only loopback addresses are allowed there)
 * @param multicastTtl the TTL of a client's multicast: 1 on a LAN, 0 (and only 0) in LOOPBACK
 * @param skewWindow how far a datagram's timestamp may be from the receiver's clock (default 30 s);
 *     also how long nonces are remembered to refuse replays
 * @param retryInitial a client's first wait for an answer before it announces again (then doubled,
 *     with jitter)
 * @param retryMax the longest wait between a client's announcements
 */
public record DiscoverySettings(
    String clusterId,
    byte[] secret,
    DiscoveryMode mode,
    int port,
    InetAddress multicastGroup,
    int multicastPort,
    Optional<String> interfaceName,
    boolean broadcast,
    List<InetAddress> broadcastAddresses,
    boolean multicast,
    List<InetSocketAddress> unicastTargets,
    int multicastTtl,
    Duration skewWindow,
    Duration retryInitial,
    Duration retryMax) {

  public static final int DEFAULT_PORT = 8888;
  public static final InetAddress DEFAULT_MULTICAST_GROUP = ipv4("239.0.0.1");
  public static final int DEFAULT_MULTICAST_PORT = 10000;
  public static final Duration DEFAULT_SKEW_WINDOW = Duration.ofSeconds(30);
  public static final Duration DEFAULT_RETRY_INITIAL = Duration.ofMillis(200);
  public static final Duration DEFAULT_RETRY_MAX = Duration.ofSeconds(5);

  /**
   * Below this a secret is guessable offline from any captured datagram; accepted with a warning.
   */
  public static final int RECOMMENDED_MIN_SECRET_BYTES = 16;

  static final Duration MIN_SKEW_WINDOW = Duration.ofSeconds(1);
  static final Duration MAX_SKEW_WINDOW = Duration.ofMinutes(10);
  private static final Pattern CLUSTER_ID = Pattern.compile("[A-Za-z0-9._-]{1,64}");

  public DiscoverySettings {
    requireClusterId(clusterId);
    if (secret == null || secret.length == 0) {
      throw new IllegalArgumentException(
          "the cluster secret is empty: configure the same secret on the queue server and every"
              + " node");
    }
    secret = secret.clone();
    Objects.requireNonNull(mode, "mode");
    requirePort("port", port);
    requirePort("multicastPort", multicastPort);
    Objects.requireNonNull(multicastGroup, "multicastGroup");
    if (!(multicastGroup instanceof Inet4Address) || !multicastGroup.isMulticastAddress()) {
      throw new IllegalArgumentException(
          "the multicast group "
              + multicastGroup.getHostAddress()
              + " is not an IPv4 multicast address (224.0.0.0/4); the default is 239.0.0.1");
    }
    Objects.requireNonNull(interfaceName, "interfaceName");
    interfaceName.ifPresent(
        name -> {
          if (name.isBlank()) {
            throw new IllegalArgumentException(
                "the interface name is blank: name one (e.g. eth0) or leave it unset for all");
          }
        });
    broadcastAddresses = List.copyOf(broadcastAddresses);
    for (InetAddress address : broadcastAddresses) {
      if (!(address instanceof Inet4Address)) {
        throw new IllegalArgumentException(
            "the broadcast address " + address.getHostAddress() + " is not an IPv4 address");
      }
    }
    unicastTargets = List.copyOf(unicastTargets);
    for (InetSocketAddress target : unicastTargets) {
      if (target.isUnresolved() || !(target.getAddress() instanceof Inet4Address)) {
        throw new IllegalArgumentException(
            "the unicast target " + target + " is not a resolved IPv4 address");
      }
      if (target.getPort() == 0) {
        throw new IllegalArgumentException("the unicast target " + target + " has port 0");
      }
    }
    if (multicastTtl < 0 || multicastTtl > 255) {
      throw new IllegalArgumentException(
          "the multicast TTL is " + multicastTtl + "; it must be between 0 and 255");
    }
    requireBetween("skewWindow", skewWindow, MIN_SKEW_WINDOW, MAX_SKEW_WINDOW);
    requireBetween("retryInitial", retryInitial, Duration.ofMillis(1), Duration.ofMinutes(1));
    requireBetween("retryMax", retryMax, retryInitial, Duration.ofMinutes(10));
    if (mode == DiscoveryMode.LOOPBACK) {
      requireLoopbackOnly(interfaceName, broadcast, unicastTargets, multicastTtl);
    }
  }

  /** Settings with every default, to adjust. */
  public static Builder builder(String clusterId, byte[] secret) {
    return new Builder(clusterId, secret);
  }

  /** A builder holding these settings, to derive others from. */
  public Builder toBuilder() {
    Builder builder =
        new Builder(clusterId, secret)
            .mode(mode)
            .port(port)
            .multicastGroup(multicastGroup)
            .multicastPort(multicastPort)
            .interfaceName(interfaceName.orElse(null))
            .broadcast(broadcast)
            .broadcastAddresses(broadcastAddresses)
            .multicast(multicast)
            .multicastTtl(multicastTtl)
            .skewWindow(skewWindow)
            .retry(retryInitial, retryMax);
    // The mode's default follows a later change of port; only targets set by hand are kept.
    if (!unicastTargets.equals(defaultUnicastTargets(mode, port))) {
      builder.unicastTargets(unicastTargets);
    }
    return builder;
  }

  private static List<InetSocketAddress> defaultUnicastTargets(DiscoveryMode mode, int port) {
    return mode == DiscoveryMode.LOOPBACK && port != 0
        ? List.of(new InetSocketAddress(ipv4("127.0.0.1"), port))
        : List.of();
  }

  /** The cluster secret; a copy. */
  @Override
  public byte[] secret() {
    return secret.clone();
  }

  boolean secretShorterThanRecommended() {
    return secret.length < RECOMMENDED_MIN_SECRET_BYTES;
  }

  /** The group and its port. */
  public InetSocketAddress multicastTarget() {
    return new InetSocketAddress(multicastGroup, multicastPort);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof DiscoverySettings s
        && clusterId.equals(s.clusterId)
        && Arrays.equals(secret, s.secret)
        && mode == s.mode
        && port == s.port
        && multicastGroup.equals(s.multicastGroup)
        && multicastPort == s.multicastPort
        && interfaceName.equals(s.interfaceName)
        && broadcast == s.broadcast
        && broadcastAddresses.equals(s.broadcastAddresses)
        && multicast == s.multicast
        && unicastTargets.equals(s.unicastTargets)
        && multicastTtl == s.multicastTtl
        && skewWindow.equals(s.skewWindow)
        && retryInitial.equals(s.retryInitial)
        && retryMax.equals(s.retryMax);
  }

  @Override
  public int hashCode() {
    return Objects.hash(clusterId, mode, port, multicastGroup, multicastPort, interfaceName);
  }

  @Override
  public String toString() {
    return "DiscoverySettings[clusterId="
        + clusterId
        + ", secret=(hidden), mode="
        + mode
        + ", port="
        + port
        + ", multicast="
        + (multicast ? multicastGroup.getHostAddress() + ":" + multicastPort : "off")
        + ", interface="
        + interfaceName.orElse("(all)")
        + ", broadcast="
        + (broadcast ? (broadcastAddresses.isEmpty() ? "auto" : broadcastAddresses) : "off")
        + ", unicastTargets="
        + unicastTargets
        + ", multicastTtl="
        + multicastTtl
        + ", skewWindow="
        + skewWindow
        + ", retry="
        + retryInitial
        + ".."
        + retryMax
        + "]";
  }

  static String requireClusterId(String clusterId) {
    if (clusterId == null || !CLUSTER_ID.matcher(clusterId).matches()) {
      throw new IllegalArgumentException(
          "the cluster id '"
              + clusterId
              + "' is not 1 to 64 characters of letters, digits, '.', '_' and '-'");
    }
    return clusterId;
  }

  private static void requirePort(String name, int port) {
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException(
          name + " is " + port + "; a UDP port is between 1 and 65535 (0: any free port)");
    }
  }

  private static void requireBetween(String name, Duration value, Duration min, Duration max) {
    Objects.requireNonNull(value, name);
    if (value.compareTo(min) < 0 || value.compareTo(max) > 0) {
      throw new IllegalArgumentException(
          name + " is " + value + "; it must be between " + min + " and " + max);
    }
  }

  private static void requireLoopbackOnly(
      Optional<String> interfaceName,
      boolean broadcast,
      List<InetSocketAddress> unicastTargets,
      int multicastTtl) {
    if (broadcast) {
      throw new IllegalArgumentException(
          "LOOPBACK discovery never broadcasts: turn broadcast off, or use LAN mode");
    }
    if (interfaceName.isPresent()) {
      throw new IllegalArgumentException(
          "LOOPBACK discovery always uses the loopback interface; remove the interface name '"
              + interfaceName.get()
              + "', or use LAN mode");
    }
    if (multicastTtl != 0) {
      throw new IllegalArgumentException(
          "LOOPBACK discovery multicasts with TTL 0 so that nothing leaves the machine; the TTL is "
              + multicastTtl);
    }
    for (InetSocketAddress target : unicastTargets) {
      if (!target.getAddress().isLoopbackAddress()) {
        throw new IllegalArgumentException(
            "LOOPBACK discovery sends only to loopback addresses; "
                + target
                + " would leave the machine");
      }
    }
  }

  private static InetAddress ipv4(String literal) {
    try {
      return InetAddress.getByName(literal);
    } catch (UnknownHostException e) {
      throw new AssertionError(literal + " is a literal", e);
    }
  }

  /**
   * Collects settings; values left unset take the defaults above, some of which depend on the mode.
   * Not thread-safe.
   */
  public static final class Builder {
    private final String clusterId;
    private final byte[] secret;
    private DiscoveryMode mode = DiscoveryMode.LAN;
    private int port = DEFAULT_PORT;
    private InetAddress multicastGroup = DEFAULT_MULTICAST_GROUP;
    private int multicastPort = DEFAULT_MULTICAST_PORT;
    private String interfaceName;
    private Boolean broadcast;
    private List<InetAddress> broadcastAddresses = List.of();
    private boolean multicast = true;
    private List<InetSocketAddress> unicastTargets;
    private Integer multicastTtl;
    private Duration skewWindow = DEFAULT_SKEW_WINDOW;
    private Duration retryInitial = DEFAULT_RETRY_INITIAL;
    private Duration retryMax = DEFAULT_RETRY_MAX;

    private Builder(String clusterId, byte[] secret) {
      this.clusterId = clusterId;
      this.secret = secret == null ? null : secret.clone();
    }

    public Builder mode(DiscoveryMode mode) {
      this.mode = mode;
      return this;
    }

    /** LOOPBACK mode. */
    public Builder loopback() {
      return mode(DiscoveryMode.LOOPBACK);
    }

    public Builder port(int port) {
      this.port = port;
      return this;
    }

    public Builder multicastGroup(InetAddress group) {
      this.multicastGroup = group;
      return this;
    }

    public Builder multicastPort(int port) {
      this.multicastPort = port;
      return this;
    }

    /** The one interface to use in LAN mode; null for all. */
    public Builder interfaceName(String name) {
      this.interfaceName = name;
      return this;
    }

    /** Default: on in LAN mode, off (and only off) in LOOPBACK mode. */
    public Builder broadcast(boolean on) {
      this.broadcast = on;
      return this;
    }

    public Builder broadcastAddresses(List<InetAddress> addresses) {
      this.broadcastAddresses = addresses;
      return this;
    }

    public Builder multicast(boolean on) {
      this.multicast = on;
      return this;
    }

    /** Default: none in LAN mode, 127.0.0.1:port in LOOPBACK mode. */
    public Builder unicastTargets(List<InetSocketAddress> targets) {
      this.unicastTargets = targets;
      return this;
    }

    /** Default: 1 in LAN mode, 0 in LOOPBACK mode. */
    public Builder multicastTtl(int ttl) {
      this.multicastTtl = ttl;
      return this;
    }

    public Builder skewWindow(Duration window) {
      this.skewWindow = window;
      return this;
    }

    public Builder retry(Duration initial, Duration max) {
      this.retryInitial = initial;
      this.retryMax = max;
      return this;
    }

    /**
     * @throws IllegalArgumentException naming the first wrong value
     */
    public DiscoverySettings build() {
      Objects.requireNonNull(mode, "mode");
      boolean loopback = mode == DiscoveryMode.LOOPBACK;
      List<InetSocketAddress> targets =
          unicastTargets != null ? unicastTargets : defaultUnicastTargets(mode, port);
      return new DiscoverySettings(
          clusterId,
          secret,
          mode,
          port,
          multicastGroup,
          multicastPort,
          Optional.ofNullable(interfaceName),
          broadcast != null ? broadcast : !loopback,
          broadcastAddresses,
          multicast,
          targets,
          multicastTtl != null ? multicastTtl : (loopback ? 0 : 1),
          skewWindow,
          retryInitial,
          retryMax);
    }
  }
}
