package io.spindle.queue;

import io.spindle.discovery.DiscoveryMode;
import io.spindle.discovery.DiscoverySettings;
import io.spindle.discovery.HostPort;
import io.spindle.protocol.queue.QueueProtocol;
import io.spindle.protocol.tls.ClusterTls;
import io.spindle.queue.jobs.JobQueueSettings;
import io.spindle.queue.service.ServiceSettings;
import io.spindle.queue.spool.SpoolSettings;
import io.spindle.queue.transport.QueuePortSettings;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.function.UnaryOperator;
import java.util.logging.Logger;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code java -jar queue-server-all.jar [options]}: runs a queue server until SIGTERM or Ctrl-C.
 * Exit status 2 for a usage error, 1 when the server cannot start.
 */
@Command(
    name = "queue-server",
    mixinStandardHelpOptions = true,
    version = "spindle queue server, protocol " + QueueProtocol.VERSION,
    sortOptions = false,
    description = {
      "Spindle's queue server: clients send requests and chunked uploads, nodes steal the work.",
      "The cluster secret comes from --secret-file, else $SPINDLE_CLUSTER_SECRET, else"
          + " $SPINDLE_SECRET, else --secret (visible to other users in ps: avoid it).",
      "The federation secret comes from --federation-secret-file, else"
          + " $SPINDLE_FEDERATION_SECRET; without either, the server is in no federation."
    })
public final class QueueServerMain implements Callable<Integer> {
  private static final Logger LOG = Logger.getLogger(QueueServerMain.class.getName());
  private static final int MIB = 1024 * 1024;

  @Option(
      names = "--port",
      paramLabel = "PORT",
      description = "TCP port (default ${DEFAULT-VALUE}; 0 = any free)")
  int port = QueueProtocol.DEFAULT_PORT;

  @Option(
      names = "--bind",
      paramLabel = "ADDRESS",
      description =
          "address to listen on (default ${DEFAULT-VALUE}, this machine only; 0.0.0.0 for every"
              + " interface)")
  String bind = "127.0.0.1";

  /** The metrics port's default; bin/spindle gives 9400 plus the port offset. */
  static final int DEFAULT_METRICS_PORT = 9400;

  @Option(
      names = "--metrics-port",
      paramLabel = "PORT",
      description =
          "HTTP port serving GET /metrics (Prometheus text format) on the --bind address, plain"
              + " HTTP, open to anyone who reaches it (default ${DEFAULT-VALUE}; 0 = none)")
  int metricsPort = DEFAULT_METRICS_PORT;

  @Option(
      names = "--advertise",
      paramLabel = "HOST:PORT",
      description = "host:port clients and nodes reach this server at (default: from --bind)")
  String advertise = "";

  @Option(
      names = "--peers",
      paramLabel = "HOST:PORT,...",
      split = ",",
      description =
          "the other queue servers of this cluster, as clients and nodes reach them (this one may"
              + " be among them); every Welcome names them, and the ones the nodes report, so a"
              + " client that knows one queue server learns the rest (default: none)")
  List<String> peers = new ArrayList<>();

  /** The most --peers taken: clients and nodes keep a link to every one. */
  static final int MAX_PEERS = 16;

  @Option(
      names = "--server-id",
      paramLabel = "ID",
      description = "stable id of this server (default: --advertise)")
  String serverId = "";

  @Option(
      names = "--cluster-id",
      paramLabel = "ID",
      defaultValue = "${env:SPINDLE_CLUSTER_ID:-spindle}",
      description = "the cluster served (default $SPINDLE_CLUSTER_ID or ${DEFAULT-VALUE})")
  String clusterId;

  @Option(
      names = "--secret-file",
      paramLabel = "FILE",
      description = "file holding the cluster secret")
  Path secretFile;

  /** Refused: a secret on a command line is in every user's `ps`. */
  @Option(names = "--secret", hidden = true, paramLabel = "SECRET")
  String secret;

  /** The least a cluster secret may have (32 random bytes are best). */
  static final int MIN_SECRET_BYTES = 16;

  @Option(
      names = "--federation-secret-file",
      paramLabel = "FILE",
      description =
          "file holding the federation secret, which the leaders of the federation's other"
              + " clusters prove to forward a ping here (else $SPINDLE_FEDERATION_SECRET; without"
              + " either, this server is in no federation and refuses them)")
  Path federationSecretFile;

  /** Refused: a secret on a command line is in every user's `ps`. */
  @Option(names = "--federation-secret", hidden = true, paramLabel = "SECRET")
  String federationSecret;

  /** Where environment variables come from (tests replace it). */
  UnaryOperator<String> environment = System::getenv;

  /**
   * The environment variables this server reads (everything else comes as options): the cluster
   * secret without --secret-file (either name), the federation secret without
   * --federation-secret-file.
   */
  public static final List<String> ENVIRONMENT_VARIABLES =
      List.of("SPINDLE_CLUSTER_SECRET", "SPINDLE_SECRET", "SPINDLE_FEDERATION_SECRET");

  private static final List<String> CLUSTER_SECRET_VARIABLES = ENVIRONMENT_VARIABLES.subList(0, 2);
  private static final String FEDERATION_SECRET_VARIABLE = ENVIRONMENT_VARIABLES.get(2);

  @Option(
      names = "--tokens-file",
      paramLabel = "FILE",
      defaultValue = "${env:SPINDLE_AUTH_TOKENS_FILE}",
      description =
          "the clients' tokens, one line each: SHA-256 of the token, rights (read,write), a name;"
              + " without it no client is accepted (env SPINDLE_AUTH_TOKENS_FILE)")
  Path tokensFile;

  @Option(
      names = "--tls-cert",
      paramLabel = "FILE",
      defaultValue = "${env:SPINDLE_TLS_CERT}",
      description = "this server's certificate (PEM), signed by the cluster's CA")
  Path tlsCert;

  @Option(
      names = "--tls-key",
      paramLabel = "FILE",
      defaultValue = "${env:SPINDLE_TLS_KEY}",
      description = "its unencrypted PKCS#8 key (PEM), readable by this user only")
  Path tlsKey;

  @Option(
      names = "--tls-ca",
      paramLabel = "FILE",
      defaultValue = "${env:SPINDLE_TLS_CA}",
      description = "the cluster's CA certificate (PEM)")
  Path tlsCa;

  @Option(names = "--plaintext", description = "no TLS: allowed only with a loopback --bind")
  boolean plaintext;

  @Option(
      names = "--spool-dir",
      paramLabel = "DIR",
      description = "where uploads wait (default ${DEFAULT-VALUE})")
  Path spoolDir = Path.of("spool");

  @Option(
      names = "--spool-max-bytes",
      paramLabel = "BYTES",
      description = "disk the spool may use (default 64 GiB)")
  long spoolMaxBytes = SpoolSettings.defaults().maxBytes();

  @Option(
      names = "--min-free-bytes",
      paramLabel = "BYTES",
      description =
          "free space the spool's disk keeps; below it new writes are refused (default 1 GiB)")
  long minFreeBytes = SpoolSettings.defaults().minFreeBytes();

  @Option(
      names = "--max-uploads",
      paramLabel = "N",
      description = "uploads at once (default ${DEFAULT-VALUE})")
  int maxUploads = SpoolSettings.defaults().maxUploads();

  @Option(
      names = "--spool-max-bytes-per-client",
      paramLabel = "BYTES",
      description = "disk the uploads of one client (token) may use (default 32 GiB)")
  long spoolMaxBytesPerClient = SpoolSettings.defaults().maxBytesPerClient();

  @Option(
      names = "--max-uploads-per-client",
      paramLabel = "N",
      description = "uploads of one client (token) at once (default ${DEFAULT-VALUE})")
  int maxUploadsPerClient = SpoolSettings.defaults().maxUploadsPerClient();

  @Option(
      names = "--upload-idle-timeout-s",
      paramLabel = "SECONDS",
      description = "abandoned uploads are deleted after (default ${DEFAULT-VALUE} s)")
  long uploadIdleSeconds = SpoolSettings.defaults().idleTimeout().toSeconds();

  @Option(
      names = "--leader-queue-capacity",
      paramLabel = "JOBS",
      description = "writes, deletes, pings waiting (default ${DEFAULT-VALUE})")
  int leaderCapacity = JobQueueSettings.defaults().leaderCapacity();

  @Option(
      names = "--shared-queue-capacity",
      paramLabel = "JOBS",
      description = "reads, lists, counts waiting (default ${DEFAULT-VALUE})")
  int sharedCapacity = JobQueueSettings.defaults().sharedCapacity();

  @Option(
      names = "--max-queued-bytes",
      paramLabel = "BYTES",
      description = "inline data the queues hold (default 256 MiB)")
  long maxQueuedBytes = JobQueueSettings.defaults().maxQueuedBytes();

  @Option(
      names = "--lease-ms",
      paramLabel = "MS",
      description = "job lease (default ${DEFAULT-VALUE} ms)")
  long leaseMs = JobQueueSettings.defaults().lease().toMillis();

  @Option(
      names = "--max-failures",
      paramLabel = "N",
      description =
          "lost leases and failures on nodes before a job is given up on (default"
              + " ${DEFAULT-VALUE})")
  int maxFailures = JobQueueSettings.defaults().maxFailures();

  @Option(
      names = "--max-give-backs",
      paramLabel = "N",
      description =
          "times nodes may give a job back (not the leader, stopping) before it is given up on"
              + " (default ${DEFAULT-VALUE})")
  int maxGiveBacks = JobQueueSettings.defaults().maxGiveBacks();

  @Option(
      names = "--queue-timeout-ms",
      paramLabel = "MS",
      description = "a job no node takes in this time fails UNAVAILABLE (default ${DEFAULT-VALUE})")
  long queueTimeoutMs = 10_000;

  @Option(
      names = "--max-frame-mib",
      paramLabel = "MIB",
      description = "largest frame after the handshake (default ${DEFAULT-VALUE} MiB)")
  int maxFrameMib = 16;

  @Option(
      names = "--max-inline-bytes",
      paramLabel = "BYTES",
      description = "writes up to this size skip the spool (default ${DEFAULT-VALUE})")
  int maxInlineBytes = 64 * 1024;

  @Option(
      names = "--max-chunk-mib",
      paramLabel = "MIB",
      description = "largest chunk a client may send (default ${DEFAULT-VALUE} MiB)")
  int maxChunkMib = 8;

  @Option(
      names = "--max-connections",
      paramLabel = "N",
      description = "connections open at once, clients and nodes (default ${DEFAULT-VALUE})")
  int maxConnections = QueuePortSettings.defaults(MIB * 16).maxConnections();

  @Option(
      names = "--max-connections-per-address",
      paramLabel = "N",
      description = "connections open at once from one address (default ${DEFAULT-VALUE})")
  int maxConnectionsPerAddress = QueuePortSettings.defaults(MIB * 16).maxConnectionsPerAddress();

  @Option(
      names = "--client-idle-timeout-s",
      paramLabel = "SECONDS",
      description =
          "a client silent this long, waiting for no answer, is disconnected (default"
              + " ${DEFAULT-VALUE} s)")
  long clientIdleSeconds = QueuePortSettings.defaults(MIB * 16).clientIdleTimeout().toSeconds();

  @Option(
      names = "--max-requests-in-flight",
      paramLabel = "N",
      description =
          "requests one connection may have under way; more are BUSY (default ${DEFAULT-VALUE})")
  int maxRequestsInFlight = ServiceSettings.defaults("", "").maxRequestsInFlight();

  @Option(
      names = "--result-cache-mib",
      paramLabel = "MIB",
      description = "answers kept for retries, at most (default ${DEFAULT-VALUE} MiB)")
  int resultCacheMib = (int) (ServiceSettings.defaults("", "").resultCacheBytes() / MIB);

  @Option(
      names = "--io-threads",
      paramLabel = "N",
      description = "spool I/O threads (default ${DEFAULT-VALUE})")
  int ioThreads = 4;

  /** Where the discovery server listens, or off. */
  enum Discovery {
    LAN,
    LOOPBACK,
    OFF
  }

  @Option(
      names = "--discovery",
      paramLabel = "MODE",
      description =
          "discovery server: lan (UDP broadcast and multicast on every interface), loopback (this"
              + " machine only) or off (default ${DEFAULT-VALUE})")
  String discovery = "loopback";

  @Option(
      names = "--discovery-port",
      paramLabel = "PORT",
      description = "UDP port for unicast and broadcast announcements (default ${DEFAULT-VALUE})")
  int discoveryPort = DiscoverySettings.DEFAULT_PORT;

  @Option(
      names = "--multicast-group",
      paramLabel = "ADDRESS",
      description = "IPv4 multicast group for announcements (default ${DEFAULT-VALUE})")
  String multicastGroup = DiscoverySettings.DEFAULT_MULTICAST_GROUP.getHostAddress();

  @Option(
      names = "--multicast-port",
      paramLabel = "PORT",
      description = "UDP port of the multicast group (default ${DEFAULT-VALUE})")
  int multicastPort = DiscoverySettings.DEFAULT_MULTICAST_PORT;

  public static void main(String[] args) {
    System.exit(run(args));
  }

  /** Runs the command line; returns the exit status. */
  static int run(String... args) {
    CommandLine cmd = new CommandLine(new QueueServerMain());
    cmd.setExitCodeExceptionMapper(e -> 1);
    return cmd.execute(args);
  }

  @Override
  public Integer call() throws Exception {
    if (secret != null) {
      System.err.println(
          "queue-server: --secret puts the cluster secret on the command line, where every user of"
              + " this machine can read it (ps); give --secret-file FILE or set"
              + " SPINDLE_CLUSTER_SECRET instead");
      return 2;
    }
    if (federationSecret != null) {
      System.err.println(
          "queue-server: --federation-secret puts the federation secret on the command line, where"
              + " every user of this machine can read it (ps); give --federation-secret-file FILE"
              + " or set SPINDLE_FEDERATION_SECRET instead");
      return 2;
    }
    byte[] secretBytes = resolveSecret();
    if (secretBytes != null && secretBytes.length < MIN_SECRET_BYTES) {
      System.err.println(
          "queue-server: the cluster secret has "
              + secretBytes.length
              + " bytes; it needs at least "
              + MIN_SECRET_BYTES
              + " (make one with: head -c 32 /dev/urandom | base64)");
      return 2;
    }
    if (secretBytes == null) {
      System.err.println(
          "queue-server: no cluster secret: give --secret-file FILE or set SPINDLE_CLUSTER_SECRET"
              + " (the secret the nodes share)");
      return 2;
    }
    QueueServerSettings config;
    Optional<DiscoverySettings> discoverySettings;
    try {
      config = config(secretBytes);
      discoverySettings = discoverySettings(secretBytes);
    } catch (IllegalArgumentException | IOException e) {
      System.err.println("queue-server: " + e.getMessage());
      return 2;
    }
    QueueServer server;
    try {
      server = QueueServer.start(config);
    } catch (IllegalStateException | IOException e) {
      System.err.println("queue-server: " + e.getMessage());
      return 1;
    }
    if (discoverySettings.isPresent()) {
      try {
        server.startDiscovery(discoverySettings.get());
      } catch (IOException | RuntimeException e) {
        server.close();
        System.err.println(
            "queue-server: cannot start the discovery server: "
                + e.getMessage()
                + " (choose other ports with --discovery-port/--multicast-port, or --discovery"
                + " off)");
        return 1;
      }
    }
    if (metricsPort != 0) {
      try {
        server.startMetrics(new InetSocketAddress(bind, metricsPort));
      } catch (RuntimeException e) {
        server.close();
        System.err.println("queue-server: " + e.getMessage());
        return 1;
      }
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  LOG.info("stopping the queue server");
                  server.close();
                  stopped.countDown();
                },
                "spindle-queue-shutdown"));
    stopped.await();
    return 0;
  }

  QueueServerSettings config(byte[] secretBytes) throws IOException {
    if (metricsPort < 0 || metricsPort > 65535) {
      throw new IllegalArgumentException(
          "--metrics-port is " + metricsPort + "; expected 1 to 65535, or 0 for no metrics port");
    }
    if (metricsPort != 0 && metricsPort == port) {
      throw new IllegalArgumentException(
          "--metrics-port and --port are both " + port + "; give the metrics port another one");
    }
    int maxFrame = maxFrameMib * MIB;
    ServiceSettings defaults = ServiceSettings.defaults(serverId, clusterId);
    ServiceSettings service =
        new ServiceSettings(
            serverId,
            clusterId,
            advertise,
            maxFrame,
            maxInlineBytes,
            maxChunkMib * MIB,
            Math.min(defaults.defaultChunkSize(), maxChunkMib * MIB),
            defaults.maxFileSize(),
            Duration.ofMillis(queueTimeoutMs),
            defaults.maxStealWait(),
            defaults.maxBatchBytes(),
            defaults.resultTtl(),
            defaults.resultCacheSize(),
            (long) resultCacheMib * MIB,
            maxRequestsInFlight,
            defaults.tick());
    return new QueueServerSettings(
        new InetSocketAddress(bind, port),
        advertise,
        service,
        new JobQueueSettings(
            leaderCapacity,
            sharedCapacity,
            maxQueuedBytes,
            Duration.ofMillis(leaseMs),
            maxFailures,
            maxGiveBacks),
        new SpoolSettings(
            spoolMaxBytes,
            maxUploads,
            Duration.ofSeconds(uploadIdleSeconds),
            minFreeBytes,
            Math.min(spoolMaxBytesPerClient, spoolMaxBytes),
            Math.min(maxUploadsPerClient, maxUploads)),
        QueuePortSettings.defaults(maxFrame)
            .withConnectionLimits(maxConnections, maxConnectionsPerAddress)
            .withClientIdleTimeout(Duration.ofSeconds(clientIdleSeconds)),
        secretBytes,
        spoolDir,
        ioThreads,
        0,
        tokensFile,
        tls(),
        federationSecretBytes(),
        peers());
  }

  /**
   * The --peers, each checked as host:port.
   *
   * @throws IllegalArgumentException one is not host:port, or there are too many
   */
  List<String> peers() {
    List<String> out = new ArrayList<>();
    for (String p : peers) {
      String peer = p.strip();
      if (peer.isEmpty()) {
        continue;
      }
      try {
        out.add(HostPort.parse(peer).toString());
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(
            "--peers: " + e.getMessage() + " (give host:port,host:port,...)");
      }
    }
    if (out.size() > MAX_PEERS) {
      throw new IllegalArgumentException(
          "--peers names " + out.size() + " queue servers; at most " + MAX_PEERS + " are taken");
    }
    return out;
  }

  /**
   * The federation secret from --federation-secret-file, else $SPINDLE_FEDERATION_SECRET; null if
   * neither gives one (the server is then in no federation). Its length is checked by {@link
   * QueueServerSettings}.
   *
   * @throws IllegalArgumentException the file is empty
   * @throws IOException the file cannot be read (the message says which and why)
   */
  byte[] federationSecretBytes() throws IOException {
    if (federationSecretFile != null) {
      String text;
      try {
        text = Files.readString(federationSecretFile, StandardCharsets.UTF_8).strip();
      } catch (IOException e) {
        throw new IOException(
            "cannot read the federation secret from "
                + federationSecretFile
                + " ("
                + (e instanceof NoSuchFileException ? "no such file" : e.getMessage())
                + "): check --federation-secret-file",
            e);
      }
      if (text.isEmpty()) {
        throw new IllegalArgumentException(
            "the federation secret file "
                + federationSecretFile
                + " is empty: put the federation's secret in it (the same in every cluster of the"
                + " federation), or leave --federation-secret-file out to run in no federation");
      }
      return text.getBytes(StandardCharsets.UTF_8);
    }
    String v = environment.apply(FEDERATION_SECRET_VARIABLE);
    return v == null || v.isEmpty() ? null : v.getBytes(StandardCharsets.UTF_8);
  }

  /** TLS from --tls-cert, --tls-key and --tls-ca; null with --plaintext. */
  ClusterTls tls() throws IOException {
    boolean any = tlsCert != null || tlsKey != null || tlsCa != null;
    if (plaintext) {
      if (any) {
        throw new IllegalArgumentException("--plaintext and --tls-* contradict each other");
      }
      return null;
    }
    if (tlsCert == null || tlsKey == null || tlsCa == null) {
      throw new IllegalArgumentException(
          any
              ? "TLS needs all of --tls-cert, --tls-key and --tls-ca"
              : "no TLS certificate: give --tls-cert, --tls-key and --tls-ca (or SPINDLE_TLS_CERT,"
                  + " SPINDLE_TLS_KEY, SPINDLE_TLS_CA; bin/spindle up makes them in run/tls), or"
                  + " --plaintext on a loopback --bind");
    }
    return ClusterTls.server(tlsCa, tlsCert, tlsKey);
  }

  /** The discovery server's settings; empty for {@code --discovery off}. */
  Optional<DiscoverySettings> discoverySettings(byte[] secretBytes) {
    Discovery mode;
    try {
      mode = Discovery.valueOf(discovery.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "--discovery is '" + discovery + "'; expected lan, loopback or off");
    }
    if (mode == Discovery.OFF) {
      return Optional.empty();
    }
    InetAddress group;
    try {
      group = InetAddress.getByName(multicastGroup);
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException(
          "--multicast-group '" + multicastGroup + "' is not an IPv4 address");
    }
    return Optional.of(
        DiscoverySettings.builder(clusterId, secretBytes)
            .mode(mode == Discovery.LAN ? DiscoveryMode.LAN : DiscoveryMode.LOOPBACK)
            .port(discoveryPort)
            .multicastGroup(group)
            .multicastPort(multicastPort)
            .build());
  }

  private byte[] resolveSecret() throws IOException {
    if (secretFile != null) {
      String text = Files.readString(secretFile, StandardCharsets.UTF_8).strip();
      return text.isEmpty() ? null : text.getBytes(StandardCharsets.UTF_8);
    }
    for (String env : CLUSTER_SECRET_VARIABLES) {
      String v = System.getenv(env);
      if (v != null && !v.isEmpty()) {
        return v.getBytes(StandardCharsets.UTF_8);
      }
    }
    return null;
  }
}
