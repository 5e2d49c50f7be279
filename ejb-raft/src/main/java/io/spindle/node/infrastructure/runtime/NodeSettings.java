package io.spindle.node.infrastructure.runtime;

import io.spindle.discovery.DiscoveryMode;
import io.spindle.discovery.DiscoverySettings;
import io.spindle.node.domain.MemberAddress;
import io.spindle.protocol.tls.ClusterTls;
import io.spindle.raft.Member;
import io.spindle.raft.NodeId;
import io.spindle.raft.server.NettyPeerMessenger;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;

/**
 * Everything a node starts with, read once from MicroProfile Config (each key also as an env var:
 * {@code spindle.raft.listen} is {@code SPINDLE_RAFT_LISTEN}). Immutable; {@link #toString()} never
 * shows the secret or the database password.
 *
 * @param nodeId {@value #NODE_ID}
 * @param dataDir {@value #DATA_DIR}: the Raft log, hard state, snapshots and the embedded database
 * @param raftListen {@value #RAFT_LISTEN}: where the Raft transport binds ({@code host:port}; port
 *     0 takes a free one)
 * @param httpUrl {@value #HTTP_URL}: the base URL other nodes and clients reach this node's web
 *     interface at
 * @param peers {@value #PEERS}: the bootstrap voters, {@code id=raftHost:port;httpUrl,...}; empty
 *     for a single-voter cluster of this node. Used only by a node whose log holds no
 *     configuration.
 * @param secret {@value #SECRET}: the cluster secret every peer proves
 * @param database {@value #DB_URL} and its credentials
 * @param tickPeriod {@value #TICK_MS}: real time per Raft tick (100 ms by default: heartbeats every
 *     tick, elections after 1 to 2 s of silence; with 50 ms, a 1 GiB write on three nodes sharing
 *     two cores changed leader twice, its fsyncs taking up to 0.5 s)
 * @param snapshots {@value #SNAPSHOT_ENTRIES}, {@value #SNAPSHOT_BYTES} and {@value #KEEP_ENTRIES}:
 *     when the node snapshots its state and compacts its log
 * @param clusterId {@value #CLUSTER_ID}: the cluster's name (default {@code spindle}), which queue
 *     servers check
 * @param queueServers {@value #QUEUE_SERVERS}: {@code host:port,...} of the queue servers this node
 *     takes work from; empty for none (a node that joins by discovery then uses the one the edge
 *     list names)
 * @param bootstrap {@value #BOOTSTRAP} (default false): without peers, start a new single-voter
 *     cluster of this node. Only the first node of a cluster sets it; without it and without peers
 *     a node waits to be added (it finds the cluster by discovery), so two nodes never each found a
 *     cluster of their own by accident
 * @param discovery {@value #DISCOVERY_MODE} (lan, loopback or off; default loopback: nothing leaves
 *     the machine unless told), {@value #DISCOVERY_PORT}, {@value #MULTICAST_GROUP}, {@value
 *     #MULTICAST_PORT}: how a node that joins by discovery finds its cluster
 * @param leaveOnStop {@value #LEAVE_ON_STOP}: whether the node asks to be removed from the
 *     configuration when it stops; default true for a node that joins by discovery (it rejoins by
 *     discovery when it starts again), false for one with static peers or the bootstrap node
 * @param tls {@value #TLS_CA}, {@value #TLS_CERT} and {@value #TLS_KEY}: the cluster's CA and this
 *     node's certificate and key, for TLS on the Raft port and the queue server link; empty with
 *     {@value #PLAINTEXT} true, which only a loopback {@value #RAFT_LISTEN} may use
 */
public record NodeSettings(
    NodeId nodeId,
    Path dataDir,
    InetSocketAddress raftListen,
    URI httpUrl,
    List<Member> peers,
    byte[] secret,
    DatabaseSettings database,
    Duration tickPeriod,
    SnapshotPolicy snapshots,
    String clusterId,
    List<InetSocketAddress> queueServers,
    boolean bootstrap,
    Discovery discovery,
    boolean leaveOnStop,
    Optional<Tls> tls) {

  /** The least a cluster secret may have (32 random bytes are best). */
  public static final int MIN_SECRET_BYTES = 16;

  public static final String NODE_ID = "spindle.node.id";
  public static final String DATA_DIR = "spindle.data.dir";
  public static final String RAFT_LISTEN = "spindle.raft.listen";
  public static final String HTTP_URL = "spindle.http.url";
  public static final String PEERS = "spindle.peers";
  public static final String SECRET = "spindle.secret";
  public static final String DB_URL = "spindle.db.url";
  public static final String DB_USER = "spindle.db.user";
  public static final String DB_PASSWORD = "spindle.db.password";
  public static final String TICK_MS = "spindle.raft.tick-ms";
  public static final String SNAPSHOT_ENTRIES = "spindle.raft.snapshot-entries";
  public static final String SNAPSHOT_BYTES = "spindle.raft.snapshot-bytes";
  public static final String KEEP_ENTRIES = "spindle.raft.keep-entries";
  public static final String CLUSTER_ID = "spindle.cluster.id";
  public static final String QUEUE_SERVERS = "spindle.queue.servers";
  public static final String BOOTSTRAP = "spindle.bootstrap";
  public static final String DISCOVERY_MODE = "spindle.discovery.mode";
  public static final String DISCOVERY_PORT = "spindle.discovery.port";
  public static final String MULTICAST_GROUP = "spindle.discovery.multicast-group";
  public static final String MULTICAST_PORT = "spindle.discovery.multicast-port";
  public static final String LEAVE_ON_STOP = "spindle.leave-on-stop";
  public static final String TLS_CA = "spindle.tls.ca-file";
  public static final String TLS_CERT = "spindle.tls.cert-file";
  public static final String TLS_KEY = "spindle.tls.key-file";
  public static final String PLAINTEXT = "spindle.tls.plaintext";

  /** The PEM files of this node's TLS (see io.spindle.protocol.tls.ClusterTls). */
  public record Tls(Path caFile, Path certFile, Path keyFile) {
    public Tls {
      Objects.requireNonNull(caFile, "caFile");
      Objects.requireNonNull(certFile, "certFile");
      Objects.requireNonNull(keyFile, "keyFile");
    }

    /** The TLS contexts; an IOException names the file that is wrong. */
    public ClusterTls load() throws java.io.IOException {
      return ClusterTls.server(caFile, certFile, keyFile);
    }
  }

  /** How a node whose log holds no configuration starts. */
  public enum StartMode {
    /** {@link #PEERS} names the bootstrap voters. */
    STATIC_PEERS,
    /** {@link #BOOTSTRAP}: a single-voter cluster of this node. */
    BOOTSTRAP,
    /** Neither: an empty configuration; discovery finds the cluster, whose leader adds the node. */
    DISCOVER
  }

  /**
   * How a joining node finds its cluster.
   *
   * @param mode LAN, LOOPBACK, or empty for off
   */
  public record Discovery(
      Optional<DiscoveryMode> mode, int port, InetAddress multicastGroup, int multicastPort) {
    public Discovery {
      Objects.requireNonNull(mode, "mode");
      Objects.requireNonNull(multicastGroup, "multicastGroup");
    }

    public static Discovery defaults() {
      return new Discovery(
          Optional.of(DiscoveryMode.LOOPBACK),
          DiscoverySettings.DEFAULT_PORT,
          DiscoverySettings.DEFAULT_MULTICAST_GROUP,
          DiscoverySettings.DEFAULT_MULTICAST_PORT);
    }

    /** The discovery client's settings, if discovery is on. */
    public Optional<DiscoverySettings> settings(String clusterId, byte[] secret) {
      return mode.map(
          m ->
              DiscoverySettings.builder(clusterId, secret)
                  .mode(m)
                  .port(port)
                  .multicastGroup(multicastGroup)
                  .multicastPort(multicastPort)
                  .build());
    }
  }

  /**
   * Snapshot after {@code everyEntries} applied entries or {@code everyBytes} of them, keeping
   * {@code keepEntries} behind the snapshot for followers that lag a little.
   */
  public record SnapshotPolicy(long everyEntries, long everyBytes, long keepEntries) {
    public SnapshotPolicy {
      if (everyEntries < 1 || everyBytes < 1 || keepEntries < 0) {
        throw new IllegalArgumentException(
            "snapshot thresholds must be positive and the entries kept not negative");
      }
    }
  }

  public NodeSettings {
    Objects.requireNonNull(nodeId, "nodeId");
    Objects.requireNonNull(dataDir, "dataDir");
    Objects.requireNonNull(raftListen, "raftListen");
    Objects.requireNonNull(httpUrl, "httpUrl");
    Objects.requireNonNull(database, "database");
    Objects.requireNonNull(tickPeriod, "tickPeriod");
    Objects.requireNonNull(snapshots, "snapshots");
    peers = List.copyOf(peers);
    secret = secret.clone();
    Objects.requireNonNull(discovery, "discovery");
    Objects.requireNonNull(tls, "tls");
    if (tls.isEmpty()
        && (raftListen.getAddress() == null || !raftListen.getAddress().isLoopbackAddress())) {
      throw new IllegalArgumentException(
          "plain text only on a loopback address: "
              + describe(RAFT_LISTEN)
              + " is "
              + raftListen.getHostString()
              + ", so set "
              + describe(TLS_CA)
              + ", "
              + describe(TLS_CERT)
              + " and "
              + describe(TLS_KEY));
    }
    if (bootstrap && !peers.isEmpty()) {
      throw new IllegalArgumentException(
          describe(BOOTSTRAP)
              + " is true but "
              + describe(PEERS)
              + " names the bootstrap voters too: set one of them, not both");
    }
  }

  /** How this node starts if its log holds no configuration. */
  public StartMode startMode() {
    if (!peers.isEmpty()) {
      return StartMode.STATIC_PEERS;
    }
    return bootstrap ? StartMode.BOOTSTRAP : StartMode.DISCOVER;
  }

  /**
   * Reads and checks every key.
   *
   * @param lookup a key's value, empty when it is not set (or blank)
   * @throws IllegalArgumentException naming the key that is missing or malformed, and the env var
   *     that sets it
   */
  public static NodeSettings read(Function<String, Optional<String>> lookup) {
    Function<String, Optional<String>> values =
        key -> lookup.apply(key).map(String::trim).filter(v -> !v.isEmpty());
    NodeId id = NodeId.of(required(values, NODE_ID));
    Path dataDir = Path.of(required(values, DATA_DIR));
    String listen = required(values, RAFT_LISTEN);
    InetSocketAddress raftListen = parse(RAFT_LISTEN, listen, NodeSettings::listenAddress);
    URI httpUrl = parse(HTTP_URL, required(values, HTTP_URL), NodeSettings::httpUrl);
    List<Member> peers = new ArrayList<>();
    for (String entry : values.apply(PEERS).map(p -> p.split(",")).orElse(new String[0])) {
      if (!entry.isBlank()) {
        peers.add(parse(PEERS, entry.trim(), NodeSettings::peer));
      }
    }
    String secret =
        values
            .apply(SECRET)
            .orElseThrow(
                () ->
                    new IllegalArgumentException(
                        describe(SECRET)
                            + " is not set, nor "
                            + describe(SecretFiles.fileKey(SECRET))
                            + ", the file that holds it"));
    int secretBytes = secret.getBytes(StandardCharsets.UTF_8).length;
    if (secretBytes < MIN_SECRET_BYTES) {
      throw new IllegalArgumentException(
          describe(SECRET)
              + " has "
              + secretBytes
              + " bytes; a cluster secret needs at least "
              + MIN_SECRET_BYTES
              + " (make one with: head -c 32 /dev/urandom | base64)");
    }
    Duration tick =
        Duration.ofMillis(parse(TICK_MS, values.apply(TICK_MS).orElse("100"), Long::parseLong));
    if (tick.isNegative() || tick.isZero()) {
      throw new IllegalArgumentException(describe(TICK_MS) + " must be a positive number of ms");
    }
    SnapshotPolicy snapshots =
        parse(
            SNAPSHOT_ENTRIES,
            values.apply(SNAPSHOT_ENTRIES).orElse("100000")
                + ","
                + values.apply(SNAPSHOT_BYTES).orElse(Long.toString(1L << 30))
                + ","
                + values.apply(KEEP_ENTRIES).orElse("10000"),
            v -> {
              String[] parts = v.split(",");
              return new SnapshotPolicy(
                  Long.parseLong(parts[0]), Long.parseLong(parts[1]), Long.parseLong(parts[2]));
            });
    DatabaseSettings database =
        new DatabaseSettings(
            values.apply(DB_URL), values.apply(DB_USER), values.apply(DB_PASSWORD), dataDir);
    List<InetSocketAddress> queueServers = new ArrayList<>();
    for (String entry : values.apply(QUEUE_SERVERS).map(p -> p.split(",")).orElse(new String[0])) {
      if (!entry.isBlank()) {
        queueServers.add(parse(QUEUE_SERVERS, entry.trim(), NodeSettings::serverAddress));
      }
    }
    boolean bootstrap =
        parse(BOOTSTRAP, values.apply(BOOTSTRAP).orElse("false"), NodeSettings::bool);
    Discovery discovery = discovery(values);
    boolean joinsByDiscovery = peers.isEmpty() && !bootstrap;
    boolean leaveOnStop =
        parse(
            LEAVE_ON_STOP,
            values.apply(LEAVE_ON_STOP).orElse(Boolean.toString(joinsByDiscovery)),
            NodeSettings::bool);
    Optional<Tls> tls = tls(values);
    return new NodeSettings(
        id,
        dataDir,
        raftListen,
        httpUrl,
        peers,
        secret.getBytes(StandardCharsets.UTF_8),
        database,
        tick,
        snapshots,
        values.apply(CLUSTER_ID).orElse("spindle"),
        List.copyOf(queueServers),
        bootstrap,
        discovery,
        leaveOnStop,
        tls);
  }

  private static Optional<Tls> tls(Function<String, Optional<String>> values) {
    Optional<String> ca = values.apply(TLS_CA);
    Optional<String> cert = values.apply(TLS_CERT);
    Optional<String> key = values.apply(TLS_KEY);
    boolean plaintext =
        parse(PLAINTEXT, values.apply(PLAINTEXT).orElse("false"), NodeSettings::bool);
    boolean any = ca.isPresent() || cert.isPresent() || key.isPresent();
    if (plaintext) {
      if (any) {
        throw new IllegalArgumentException(
            describe(PLAINTEXT) + " is true but the TLS files are set too: choose one");
      }
      return Optional.empty();
    }
    if (ca.isEmpty() || cert.isEmpty() || key.isEmpty()) {
      throw new IllegalArgumentException(
          (any ? "TLS needs all three of " : "no TLS: set ")
              + describe(TLS_CA)
              + ", "
              + describe(TLS_CERT)
              + " and "
              + describe(TLS_KEY)
              + (any
                  ? ""
                  : " (bin/spindle up makes them in run/tls), or "
                      + describe(PLAINTEXT)
                      + " true on a loopback address"));
    }
    return Optional.of(new Tls(Path.of(ca.get()), Path.of(cert.get()), Path.of(key.get())));
  }

  private static Discovery discovery(Function<String, Optional<String>> values) {
    Discovery d = Discovery.defaults();
    Optional<DiscoveryMode> mode =
        parse(
            DISCOVERY_MODE,
            values.apply(DISCOVERY_MODE).orElse("loopback"),
            v ->
                switch (v.toLowerCase(Locale.ROOT)) {
                  case "lan" -> Optional.of(DiscoveryMode.LAN);
                  case "loopback" -> Optional.of(DiscoveryMode.LOOPBACK);
                  case "off" -> Optional.<DiscoveryMode>empty();
                  default ->
                      throw new IllegalArgumentException(
                          "expected lan, loopback or off, got '" + v + "'");
                });
    int port =
        parse(
            DISCOVERY_PORT, values.apply(DISCOVERY_PORT).orElse("" + d.port()), NodeSettings::port);
    InetAddress group =
        parse(
            MULTICAST_GROUP,
            values.apply(MULTICAST_GROUP).orElse(d.multicastGroup().getHostAddress()),
            NodeSettings::multicastGroup);
    int multicastPort =
        parse(
            MULTICAST_PORT,
            values.apply(MULTICAST_PORT).orElse("" + d.multicastPort()),
            NodeSettings::port);
    return new Discovery(mode, port, group, multicastPort);
  }

  static boolean bool(String value) {
    return switch (value.toLowerCase(Locale.ROOT)) {
      case "true", "yes", "1" -> true;
      case "false", "no", "0" -> false;
      default -> throw new IllegalArgumentException("expected true or false, got '" + value + "'");
    };
  }

  static int port(String value) {
    int p = Integer.parseInt(value);
    if (p < 1 || p > 65535) {
      throw new IllegalArgumentException("a port is 1 to 65535, got " + p);
    }
    return p;
  }

  static InetAddress multicastGroup(String value) {
    if (!value.matches("[0-9.]+")) {
      throw new IllegalArgumentException("expected an IPv4 multicast address, got '" + value + "'");
    }
    try {
      InetAddress a = InetAddress.getByName(value);
      if (!a.isMulticastAddress()) {
        throw new IllegalArgumentException(value + " is not a multicast address (224.0.0.0/4)");
      }
      return a;
    } catch (java.net.UnknownHostException e) {
      throw new IllegalArgumentException("expected an IPv4 multicast address, got '" + value + "'");
    }
  }

  /** The cluster secret; a copy. */
  @Override
  public byte[] secret() {
    return secret.clone();
  }

  /**
   * The configuration a node with an empty log starts with: the {@link #bootstrapVoters} with
   * static peers or bootstrap, none (an empty configuration: it never campaigns, it waits to be
   * added) when it joins by discovery.
   */
  public List<Member> initialMembers(String raftAddress) {
    return startMode() == StartMode.DISCOVER ? List.of() : bootstrapVoters(raftAddress);
  }

  /**
   * The bootstrap voters: {@link #peers()}, with this node added (at {@code raftAddress}, the
   * address it actually listens on) if the list does not name it. Empty peers: this node alone.
   */
  public List<Member> bootstrapVoters(String raftAddress) {
    List<Member> voters = new ArrayList<>(peers);
    if (voters.stream().noneMatch(m -> m.id().equals(nodeId))) {
      voters.add(new Member(nodeId, new MemberAddress(raftAddress, httpUrl).encode()));
    }
    return voters;
  }

  @Override
  public String toString() {
    return "NodeSettings[nodeId="
        + nodeId
        + ", dataDir="
        + dataDir
        + ", raftListen="
        + raftListen
        + ", httpUrl="
        + httpUrl
        + ", peers="
        + peers
        + ", secret=(hidden), database="
        + database
        + ", tickPeriod="
        + tickPeriod
        + ", snapshots="
        + snapshots
        + ", clusterId="
        + clusterId
        + ", queueServers="
        + queueServers
        + ", bootstrap="
        + bootstrap
        + ", discovery="
        + discovery
        + ", leaveOnStop="
        + leaveOnStop
        + ", tls="
        + tls.map(Tls::toString).orElse("none (plain text)")
        + "]";
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof NodeSettings c
        && nodeId.equals(c.nodeId)
        && dataDir.equals(c.dataDir)
        && raftListen.equals(c.raftListen)
        && httpUrl.equals(c.httpUrl)
        && peers.equals(c.peers)
        && java.util.Arrays.equals(secret, c.secret)
        && database.equals(c.database)
        && tickPeriod.equals(c.tickPeriod)
        && snapshots.equals(c.snapshots)
        && clusterId.equals(c.clusterId)
        && queueServers.equals(c.queueServers)
        && bootstrap == c.bootstrap
        && discovery.equals(c.discovery)
        && leaveOnStop == c.leaveOnStop
        && tls.equals(c.tls);
  }

  @Override
  public int hashCode() {
    return Objects.hash(
        nodeId,
        dataDir,
        raftListen,
        httpUrl,
        peers,
        database,
        tickPeriod,
        snapshots,
        clusterId,
        queueServers,
        bootstrap,
        discovery,
        leaveOnStop,
        tls);
  }

  /** {@code id=raftHost:port;httpUrl}, the http part optional ({@code id=raftHost:port}). */
  static Member peer(String entry) {
    int eq = entry.indexOf('=');
    if (eq <= 0 || eq == entry.length() - 1) {
      throw new IllegalArgumentException("expected id=raftHost:port;httpUrl, got '" + entry + "'");
    }
    String id = entry.substring(0, eq).trim();
    String address = entry.substring(eq + 1).trim();
    int semicolon = address.indexOf(';');
    String raft = semicolon < 0 ? address : address.substring(0, semicolon);
    NettyPeerMessenger.parseAddress(raft);
    if (semicolon >= 0) {
      httpUrl(MemberAddress.parse(address).httpUrl().toString());
    }
    return Member.of(id, address);
  }

  /** {@code host:port} as {@link NettyPeerMessenger#parseAddress}, but port 0 (any free) too. */
  static InetSocketAddress listenAddress(String value) {
    if (value.endsWith(":0")) {
      InetSocketAddress any =
          NettyPeerMessenger.parseAddress(value.substring(0, value.length() - 1) + "1");
      return new InetSocketAddress(any.getHostString(), 0);
    }
    return NettyPeerMessenger.parseAddress(value);
  }

  /** A queue server, {@code host:port}; unresolved, so that a name is looked up at each dial. */
  static InetSocketAddress serverAddress(String value) {
    InetSocketAddress parsed = NettyPeerMessenger.parseAddress(value);
    return InetSocketAddress.createUnresolved(parsed.getHostString(), parsed.getPort());
  }

  static URI httpUrl(String value) {
    URI uri = URI.create(value.endsWith("/") ? value.substring(0, value.length() - 1) : value);
    if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme())
        || uri.getHost() == null) {
      throw new IllegalArgumentException(
          "expected an http(s)://host:port URL, got '" + value + "'");
    }
    return uri;
  }

  private static String required(Function<String, Optional<String>> values, String key) {
    return values
        .apply(key)
        .orElseThrow(() -> new IllegalArgumentException(describe(key) + " is not set"));
  }

  private static <T> T parse(String key, String value, Function<String, T> parser) {
    try {
      return parser.apply(value);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(describe(key) + " is malformed: " + e.getMessage(), e);
    }
  }

  /** {@code spindle.raft.listen (env SPINDLE_RAFT_LISTEN)}. */
  static String describe(String key) {
    return "the setting " + key + " (env " + envName(key) + ")";
  }

  static String envName(String key) {
    return key.toUpperCase(java.util.Locale.ROOT).replaceAll("[^A-Z0-9]", "_");
  }
}
