package io.spindle.queue;

import io.spindle.discovery.DiscoveryServer;
import io.spindle.discovery.DiscoverySettings;
import io.spindle.discovery.EdgeList;
import io.spindle.protocol.auth.ClientTokens;
import io.spindle.protocol.federation.FederationSecret;
import io.spindle.protocol.queue.StatusResult;
import io.spindle.queue.metrics.MetricsHttpServer;
import io.spindle.queue.metrics.QueueMetrics;
import io.spindle.queue.service.QueueService;
import io.spindle.queue.service.ReportedCluster;
import io.spindle.queue.service.ServiceSettings;
import io.spindle.queue.spool.ChunkSpool;
import io.spindle.queue.transport.QueueTransportServer;
import io.spindle.wire.ClusterSecret;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.InstantSource;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.Logger;

/**
 * A running queue server: the port (Netty), the {@link QueueService} behind it, and the spool.
 *
 * <pre>
 *   try (QueueServer server = QueueServer.start(config)) {
 *     server.localAddress();   // where it listens
 *     server.reportedCluster();    // the cluster as the nodes report it (for discovery)
 *   }
 * </pre>
 *
 * <p>Thread-safe. {@link #close()} stops accepting, answers waiting clients UNAVAILABLE, closes
 * every connection and stops the threads; the spool stays on disk for the next start.
 */
public final class QueueServer implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(QueueServer.class.getName());

  private final QueueTransportServer transport;
  private final QueueService service;
  private final ExecutorService io;
  private volatile DiscoveryServer discovery;
  private volatile MetricsHttpServer metrics;

  private QueueServer(QueueTransportServer transport, QueueService service, ExecutorService io) {
    this.transport = transport;
    this.service = service;
    this.io = io;
  }

  /** Starts a queue server on the wall clock. */
  public static QueueServer start(QueueServerSettings config)
      throws IOException, InterruptedException {
    return start(config, InstantSource.system());
  }

  /**
   * Starts a queue server whose leases, deadlines and upload expiry follow {@code clock} (tests
   * pass a manual one).
   *
   * @throws IOException the spool directory cannot be opened
   * @throws IllegalStateException the port cannot be bound
   */
  public static QueueServer start(QueueServerSettings config, InstantSource clock)
      throws IOException, InterruptedException {
    ChunkSpool spool = ChunkSpool.open(config.spoolDir(), config.spool(), clock);
    AtomicReference<QueueService> holder = new AtomicReference<>();
    QueueTransportServer transport =
        QueueTransportServer.bind(
            config.bind(),
            holder::get,
            new ClusterSecret(config.secret()),
            config.federationSecret() == null
                ? null
                : new FederationSecret(config.federationSecret()),
            ClientTokens.load(config.clientTokensFile(), null),
            config.transport(),
            config.tls(),
            config.eventLoopThreads());
    ExecutorService io = null;
    try {
      InetSocketAddress bound = transport.localAddress();
      String advertised =
          config.advertise().isEmpty() ? advertisedAddress(bound) : config.advertise();
      ServiceSettings s = config.service();
      String serverId = s.serverId().isEmpty() ? advertised : s.serverId();
      ServiceSettings identity = s.withIdentity(serverId, advertised);
      io = Executors.newFixedThreadPool(config.ioThreads(), threads("spindle-queue-spool"));
      ScheduledExecutorService core =
          Executors.newSingleThreadScheduledExecutor(threads("spindle-queue-core"));
      QueueService service =
          new QueueService(identity, config.jobs(), spool, clock, core, io, config.peers());
      holder.set(service);
      service.start();
      transport.startAccepting();
      LOG.info(
          () ->
              "queue server "
                  + serverId
                  + " of cluster "
                  + s.clusterId()
                  + " listening on "
                  + bound
                  + ", spool "
                  + config.spoolDir().toAbsolutePath()
                  + (config.federationSecret() == null
                      ? ", in no federation"
                      : ", taking pings from the federation's other clusters"));
      return new QueueServer(transport, service, io);
    } catch (RuntimeException e) {
      transport.close();
      if (io != null) {
        io.shutdownNow();
      }
      throw e;
    }
  }

  /** Where the server listens. */
  public InetSocketAddress localAddress() {
    return transport.localAddress();
  }

  /**
   * The cluster as the nodes last reported it in their steals and renewals: this server's address,
   * the cluster id, the newest term and its leader, and the members with their Raft and web
   * addresses. The seam for a discovery server's edge list. Never blocks.
   */
  public ReportedCluster reportedCluster() {
    return service.reportedCluster();
  }

  /**
   * Starts this server's discovery server: it answers every authentic {@code Add_Node_Request} with
   * the {@link #edgeList() edge list} and turns the announcement of a node that is not yet a member
   * into a JOIN job for the leader. Stopped by {@link #close()}.
   *
   * @param settings the cluster id must be this server's
   * @throws IOException a port cannot be bound or the interface is missing (the message says which)
   * @throws IllegalStateException discovery runs already
   */
  public synchronized DiscoveryServer startDiscovery(DiscoverySettings settings)
      throws IOException {
    if (discovery != null) {
      throw new IllegalStateException("the discovery server runs already");
    }
    if (!settings.clusterId().equals(service.config().clusterId())) {
      throw new IllegalArgumentException(
          "discovery is set up for cluster '"
              + settings.clusterId()
              + "' but this queue server serves '"
              + service.config().clusterId()
              + "'");
    }
    discovery =
        DiscoveryServer.start(
            settings,
            this::edgeList,
            (request, source) ->
                service.join(
                    request.nodeId(),
                    request.raftAddress().toString(),
                    request.httpUrl().toString()));
    return discovery;
  }

  /**
   * Starts this server's metrics port: {@code GET /metrics} over HTTP on {@code address}, in the
   * Prometheus text formats ({@link QueueMetrics}). Stopped by {@link #close()}.
   *
   * @throws IllegalStateException the port cannot be bound (the message says why), or the metrics
   *     port runs already
   */
  public synchronized MetricsHttpServer startMetrics(InetSocketAddress address)
      throws InterruptedException {
    if (metrics != null) {
      throw new IllegalStateException("the metrics port runs already");
    }
    metrics =
        MetricsHttpServer.start(
            address,
            () ->
                service.metrics().thenApply(m -> QueueMetrics.of(m, transport.openConnections())));
    return metrics;
  }

  /** The discovery server, if {@link #startDiscovery} started one. */
  public Optional<DiscoveryServer> discovery() {
    return Optional.ofNullable(discovery);
  }

  /**
   * The {@link #reportedCluster()} as the discovery server answers it; members whose reported
   * addresses do not parse are left out (logged at FINE).
   */
  public EdgeList edgeList() {
    return EdgeLists.of(reportedCluster());
  }

  /** The answer to a Status request: nodes, queues, leases, spool. */
  public StatusResult status() {
    return service.status();
  }

  public QueueService service() {
    return service;
  }

  @Override
  public void close() {
    DiscoveryServer d = discovery;
    if (d != null) {
      d.close();
    }
    MetricsHttpServer m = metrics;
    if (m != null) {
      m.close();
    }
    service.stop(); // answers the waiting clients before their connections close
    transport.close();
    io.shutdown();
    try {
      if (!io.awaitTermination(5, TimeUnit.SECONDS)) {
        io.shutdownNow();
      }
    } catch (InterruptedException e) {
      io.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }

  private static String advertisedAddress(InetSocketAddress bound) {
    InetAddress a = bound.getAddress();
    String host;
    if (a.isAnyLocalAddress()) {
      try {
        host = InetAddress.getLocalHost().getHostAddress();
      } catch (UnknownHostException e) {
        host = "127.0.0.1";
      }
    } else {
      host = a.getHostAddress();
    }
    if (host.contains(":")) {
      host = "[" + host + "]";
    }
    return host + ":" + bound.getPort();
  }

  private static ThreadFactory threads(String name) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, name + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }
}
