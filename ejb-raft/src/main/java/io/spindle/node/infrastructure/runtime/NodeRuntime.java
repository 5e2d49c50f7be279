package io.spindle.node.infrastructure.runtime;

import io.spindle.node.application.CountService;
import io.spindle.node.application.FileCounter;
import io.spindle.node.application.FileService;
import io.spindle.node.application.GroupService;
import io.spindle.node.application.LocalRangeCounter;
import io.spindle.node.application.NodeStatus;
import io.spindle.node.application.QueueDepths;
import io.spindle.node.application.QueueServerStatus;
import io.spindle.node.application.RaftFileService;
import io.spindle.node.domain.MemberAddress;
import io.spindle.node.infrastructure.federation.GlobalPing;
import io.spindle.node.infrastructure.groups.GroupSettings;
import io.spindle.node.infrastructure.groups.RaftGroupService;
import io.spindle.node.infrastructure.membership.DiscoveryJoiner;
import io.spindle.node.infrastructure.membership.GracefulLeave;
import io.spindle.node.infrastructure.membership.LearnerPromoter;
import io.spindle.node.infrastructure.membership.Membership;
import io.spindle.node.infrastructure.membership.PromotionPolicy;
import io.spindle.node.infrastructure.queue.LocalJobRunner;
import io.spindle.node.infrastructure.queue.QueueFileCounter;
import io.spindle.node.infrastructure.queue.QueueRangeCounter;
import io.spindle.node.infrastructure.queue.QueueWorker;
import io.spindle.node.infrastructure.queue.TaskSubmitter;
import io.spindle.node.infrastructure.raft.RaftCommandLog;
import io.spindle.node.infrastructure.store.FileStoreStateMachine;
import io.spindle.node.infrastructure.store.StoreSettings;
import io.spindle.node.infrastructure.store.StoreTransactions;
import io.spindle.node.infrastructure.store.StoredFiles;
import io.spindle.protocol.auth.ClientTokens;
import io.spindle.protocol.raft.ClientReply;
import io.spindle.protocol.raft.ClientRequest;
import io.spindle.protocol.tls.ClusterTls;
import io.spindle.raft.Member;
import io.spindle.raft.NodeId;
import io.spindle.raft.message.Message;
import io.spindle.raft.server.DurableRaftStorage;
import io.spindle.raft.server.NettyPeerMessenger;
import io.spindle.raft.server.RaftDriver;
import io.spindle.raft.server.RaftNodeSettings;
import io.spindle.raft.server.RaftStatus;
import io.spindle.raft.server.transport.InboundHandler;
import io.spindle.raft.server.transport.NettyRaftTransport;
import io.spindle.raft.server.transport.RaftTransportSettings;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.annotation.Resource;
import jakarta.ejb.ConcurrencyManagement;
import jakarta.ejb.ConcurrencyManagementType;
import jakarta.ejb.DependsOn;
import jakarta.ejb.Singleton;
import jakarta.ejb.Startup;
import jakarta.enterprise.concurrent.ManagedThreadFactory;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.logging.Logger;
import org.eclipse.microprofile.config.Config;

/**
 * The Raft node of this server: reads {@link NodeSettings} once at deployment, starts the Netty
 * transport and the {@link RaftDriver} on the container's managed threads, and on undeploy stops
 * them, a leader handing over its leadership first.
 *
 * <p>The replicated state machine is the {@link FileStoreStateMachine} on the {@code spindle}
 * persistence unit; {@link #fileService()} is the {@link FileService} over it (produced for CDI by
 * {@link NodeServices}).
 *
 * <p>The data directory holds the Raft log, hard state and snapshots in {@code raft/} and, without
 * a database URL, the embedded H2 database {@code spindle.mv.db}.
 *
 * <p><b>Threading:</b> bean-managed concurrency; every public method is thread-safe and returns at
 * once. <b>Errors:</b> a bad setting or an unusable data directory fails the deployment with a
 * message naming the setting (and its env var), so {@code /health/ready} never turns UP.
 */
@Singleton
@Startup
@DependsOn("DatabaseMigration")
@ConcurrencyManagement(ConcurrencyManagementType.BEAN)
public class NodeRuntime {
  private static final Logger LOG = Logger.getLogger(NodeRuntime.class.getName());

  @Inject private Config mpConfig;

  /** The configuration key of the largest file a node stores. */
  public static final String MAX_FILE_BYTES = "spindle.files.max-bytes";

  /** The configuration key of the free space below which a node takes no writes (1 GiB). */
  public static final String MIN_FREE_BYTES = "spindle.files.min-free-bytes";

  public static final long DEFAULT_MIN_FREE_BYTES = 1L << 30;

  /** The configuration key of the clients' tokens file (io.spindle.protocol.auth.ClientTokens). */
  public static final String AUTH_TOKENS_FILE = "spindle.auth.tokens-file";

  @Inject private StoreTransactions storeTransactions;

  @Resource private ManagedThreadFactory threadFactory;

  private final NodeStatistics statistics = new NodeStatistics();
  private NodeSettings config;
  private DurableRaftStorage storage;
  private volatile NettyRaftTransport transport;
  private volatile RaftDriver driver;
  private volatile FileService fileService;
  private volatile GroupService groupService;
  private volatile QueueWorker queueWorker;
  private volatile CountService countService;
  private volatile FileCounter fileCounter;
  private volatile long maxFileBytes;
  private volatile DiskSpace diskSpace;
  private volatile ClientTokens clientTokens = ClientTokens.load(null, null);
  private volatile LocalJobRunner jobRunner;
  private volatile LearnerPromoter promoter;
  private volatile DiscoveryJoiner joiner;
  private volatile NodeFederation federation;
  private final GracefulLeave leave = new GracefulLeave();
  private final Readiness readiness =
      new Readiness(
          () -> {
            RaftDriver d = driver;
            return d == null ? null : d.status();
          },
          () -> driver.read(new byte[0]),
          System::nanoTime);
  private Thread shutdownHook;
  private boolean stopped;
  private ClusterTls tls;

  @PostConstruct
  void start() {
    config = NodeSettings.read(this::setting);
    maxFileBytes = readMaxFileBytes();
    clientTokens = readClientTokens();
    LOG.info(() -> "starting Spindle node with " + config);
    try {
      PrivateDirectories.create(config.dataDir());
      if (RunMarker.begin(config.dataDir())) {
        LOG.warning(
            () ->
                "Spindle node "
                    + config.nodeId()
                    + " did not stop cleanly last time (it was killed, crashed, or its machine lost"
                    + " power): it recovers from what its disk kept");
      }
      diskSpace =
          DiskSpace.of(
              "node " + config.nodeId(),
              config.dataDir(),
              mpConfig.getOptionalValue(MIN_FREE_BYTES, Long.class).orElse(DEFAULT_MIN_FREE_BYTES));
      storage = DurableRaftStorage.open(config.dataDir().resolve("raft"), statistics::synced);
      tls = config.tls().isPresent() ? config.tls().get().load() : null;
      transport =
          new NettyRaftTransport(
              config.nodeId(),
              config.raftListen(),
              config.secret(),
              RaftTransportSettings.defaults(),
              tls,
              threadFactory);
      transport.start(new Inbound());
      RaftNodeSettings settings =
          RaftNodeSettings.defaults(config.nodeId(), initialMembers())
              .withTickPeriod(config.tickPeriod())
              .withSnapshots(
                  config.snapshots().everyEntries(),
                  config.snapshots().everyBytes(),
                  config.snapshots().keepEntries());
      FileStoreStateMachine store =
          new FileStoreStateMachine(storeTransactions, StoreSettings.defaults());
      // Loads the members before the driver applies anything, then follows every change.
      RaftGroupService groups =
          new RaftGroupService(
              store.groupQueries(),
              GroupSettings.read(this::setting),
              System::nanoTime,
              Clock.systemUTC(),
              threadFactory);
      groupService = groups;
      store.listenToGroups(groups);
      driver =
          RaftDriver.start(
              settings,
              new MeteredRaftStorage(storage, statistics, this::leading),
              store,
              new NettyPeerMessenger(config.nodeId(), transport),
              threadFactory);
      fileService = new RaftFileService(new RaftCommandLog(driver), new StoredFiles(store));
      groups.start(new RaftCommandLog(driver), this::termIfLeading);
      CountService.Settings countSettings = CountSettings.read(this::setting);
      LocalRangeCounter localRanges =
          new LocalRangeCounter(
              fileService, config.nodeId().value(), countSettings.maxDistinctWords());
      // Ranges go through the queue server once connected: every node counts its share.
      countService =
          new CountService(
              fileService,
              new QueueRangeCounter(
                  localRanges,
                  () -> Optional.<TaskSubmitter>ofNullable(queueWorker),
                  countSettings.maxDistinctWords()),
              countSettings,
              System::nanoTime,
              () -> driver.status().configuration().all().size());
      // A count asked here goes to the shared queue as a client's does, once connected.
      fileCounter =
          new QueueFileCounter(
              countService,
              () -> Optional.<TaskSubmitter>ofNullable(queueWorker),
              System::nanoTime);
      Membership membership =
          new Membership(driver, PromotionPolicy.defaults(), MEMBERSHIP_CHANGE_TIMEOUT);
      promoter = new LearnerPromoter(membership, PROMOTION_PERIOD, threadFactory).start();
      jobRunner =
          new LocalJobRunner(
              fileService,
              countService,
              driver::status,
              advertisedRaft(),
              config.httpUrl(),
              membership,
              leave::requested,
              maxFileBytes,
              diskSpace,
              tls == null ? null : tls.sslContext());
      // Read at each group job: the group service may be set up after the runner.
      jobRunner.useGroups(this::groupService);
      startFederation();
      if (!config.queueServers().isEmpty()) {
        linkQueueServers(config.queueServers());
      }
      startDiscoveryIfJoining();
    } catch (IOException e) {
      stopNow();
      throw new UncheckedIOException(
          "cannot create the data directory " + config.dataDir() + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      stopNow();
      throw new IllegalStateException("interrupted while starting the Raft transport", e);
    } catch (RuntimeException e) {
      stopNow();
      throw e;
    }
    // Payara Micro does not run @PreDestroy on SIGTERM: hand over leadership from a JVM hook too.
    shutdownHook = new Thread(this::stopOnSignal, "spindle-shutdown-" + config.nodeId());
    Runtime.getRuntime().addShutdownHook(shutdownHook);
    LOG.info(
        () ->
            "Spindle node "
                + config.nodeId()
                + " runs: Raft on "
                + transport.localAddress()
                + ", web at "
                + config.httpUrl());
  }

  private static final Duration MEMBERSHIP_CHANGE_TIMEOUT = Duration.ofSeconds(10);
  private static final Duration PROMOTION_PERIOD = Duration.ofMillis(500);
  private static final Duration MEMBER_WAIT = Duration.ofSeconds(30);
  private static final Duration LEAVE_WAIT = Duration.ofSeconds(5);

  /**
   * Pings through {@link GlobalPing}; with Redis configured, the route publisher (which publishes
   * only while this node leads) and the links to other clusters too.
   */
  private void startFederation() {
    federation =
        NodeFederation.start(
            config,
            this::setting,
            driver::status,
            this::routeQueueServers,
            httpsContext(),
            threadFactory);
    jobRunner.useGlobalPing(federation.globalPing());
  }

  /**
   * This cluster's queue servers as its route names them: every one this node links to (configured,
   * discovered, or named by another queue server).
   */
  private List<String> routeQueueServers() {
    QueueWorker w = queueWorker;
    return w == null ? List.of() : w.knownServers();
  }

  /** Pings and the route table of the federation (REST and page). */
  public GlobalPing globalPing() {
    return federation.globalPing();
  }

  /**
   * Takes work from {@code servers} too: the first ones start the queue worker, later ones (a
   * discovery answer) become more links of it.
   */
  private synchronized void linkQueueServers(List<InetSocketAddress> servers) {
    if (stopped || servers.isEmpty()) {
      return;
    }
    if (queueWorker != null) {
      queueWorker.link(servers);
      return;
    }
    QueueWorker w =
        new QueueWorker(
            config.nodeId().toString(),
            QueueWorker.Settings.defaults(servers, config.clusterId(), config.secret())
                .withTls(tls),
            jobRunner,
            jobRunner::nodeStatus,
            threadFactory);
    w.start();
    queueWorker = w;
  }

  /** A node that joins by discovery looks for its cluster (see {@link JoinByDiscovery}). */
  private void startDiscoveryIfJoining() {
    joiner =
        JoinByDiscovery.start(
                config,
                driver::status,
                advertisedRaft(),
                this::linkQueueServers,
                MEMBER_WAIT,
                threadFactory)
            .orElse(null);
  }

  /** The configuration the Raft node starts with if its log and snapshot hold none. */
  private List<Member> initialMembers() throws IOException {
    return InitialMembers.of(config, storage, advertisedRaft());
  }

  /**
   * Graceful leave before stopping, if {@link NodeSettings#leaveOnStop()}. The leave goes through
   * the queue servers (a LEAVE job for the leader, from the node's status on every connected link):
   * a node connected to none cannot be removed, so it stops at once and stays a member ({@code
   * bin/spindle down} stops the queue server first so that a whole cluster stops without
   * shrinking).
   */
  private void leaveIfAsked() {
    RaftDriver d = driver;
    QueueWorker w = queueWorker;
    if (!config.leaveOnStop() || d == null || w == null) {
      return;
    }
    if (!w.connected()) {
      LOG.info(
          () ->
              "node "
                  + config.nodeId()
                  + " stops as a member: no queue server is reachable to pass on its leave");
      return;
    }
    leave.leave(d, w::reportStatusNow, LEAVE_WAIT);
  }

  /** What this node waits for before it can be part of the cluster, if it joins by discovery. */
  public Optional<String> joinProgress() {
    DiscoveryJoiner j = joiner;
    return j == null ? Optional.empty() : Optional.of(j.describe());
  }

  /** The address this node's Raft transport is reached at: the bound port if port 0 was asked. */
  private String advertisedRaft() {
    InetSocketAddress bound = transport.localAddress();
    return config.raftListen().getHostString() + ":" + bound.getPort();
  }

  private void stopOnSignal() {
    LOG.info(() -> "Spindle node " + config.nodeId() + " stops: the JVM is shutting down");
    stop();
  }

  @PreDestroy
  void stop() {
    synchronized (this) {
      if (stopped) {
        return;
      }
    }
    leaveIfAsked();
    stopNow();
  }

  private synchronized void stopNow() {
    if (stopped) {
      return;
    }
    stopped = true;
    DiscoveryJoiner j = joiner;
    if (j != null) {
      j.close();
    }
    LearnerPromoter p = promoter;
    if (p != null) {
      p.close();
    }
    NodeFederation f = federation;
    if (f != null) {
      f.close();
    }
    if (shutdownHook != null && Thread.currentThread() != shutdownHook) {
      try {
        Runtime.getRuntime().removeShutdownHook(shutdownHook);
      } catch (IllegalStateException alreadyShuttingDown) {
        // The hook runs (or ran) stop() itself; closing twice is harmless.
      }
    }
    QueueWorker w = queueWorker;
    if (w != null) {
      w.close();
    }
    if (groupService instanceof RaftGroupService g) {
      g.close();
    }
    RaftDriver d = driver;
    if (d != null) {
      d.close();
    }
    if (transport != null) {
      transport.close();
    }
    if (storage != null) {
      storage.close();
    }
    if (config != null) {
      try {
        RunMarker.end(config.dataDir());
      } catch (IOException e) {
        LOG.warning(() -> "cannot remove " + config.dataDir().resolve(RunMarker.NAME) + ": " + e);
      }
      LOG.info(() -> "Spindle node " + config.nodeId() + " stopped");
    }
  }

  // ---------------------------------------------------------------- API for services and web

  public NodeSettings config() {
    return config;
  }

  public NodeStatistics statistics() {
    return statistics;
  }

  /** Raft messages the transport did not send (see {@link NettyRaftTransport#droppedMessages}). */
  public long droppedRaftMessages() {
    NettyRaftTransport t = transport;
    return t == null ? 0 : t.droppedMessages();
  }

  /** Whether this node takes work from at least one queue server now; empty if it knows of none. */
  public Optional<Boolean> queueConnected() {
    QueueWorker w = queueWorker;
    return w == null ? Optional.empty() : Optional.of(w.connected());
  }

  /**
   * The largest file this node stores ({@value #MAX_FILE_BYTES}, 4 GiB by default): larger writes
   * are refused, through the REST API and the queue server alike.
   */
  public long maxFileBytes() {
    return maxFileBytes;
  }

  private ClientTokens readClientTokens() {
    Optional<Path> file =
        mpConfig
            .getOptionalValue(AUTH_TOKENS_FILE, String.class)
            .map(String::strip)
            .filter(v -> !v.isEmpty())
            .map(Path::of);
    ClientTokens tokens = ClientTokens.load(file.orElse(null), config.secret());
    if (tokens.isEmpty()) {
      LOG.warning(
          "no client tokens are configured ("
              + AUTH_TOKENS_FILE
              + ", env SPINDLE_AUTH_TOKENS_FILE): this node's API and page refuse every client;"
              + " only health and readiness answer");
    }
    return tokens;
  }

  /**
   * What this node's HTTPS calls to other members trust: the cluster's CA when the node has TLS,
   * else the JDK's defaults.
   */
  public javax.net.ssl.SSLContext httpsContext() {
    if (tls != null) {
      return tls.sslContext();
    }
    try {
      return javax.net.ssl.SSLContext.getDefault();
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException("no default TLS context", e);
    }
  }

  /** The clients' tokens ({@value #AUTH_TOKENS_FILE}). */
  public ClientTokens clientTokens() {
    return clientTokens;
  }

  /** The free space of this node's disk against its watermark. */
  public DiskSpace diskSpace() {
    return diskSpace;
  }

  /** What this node presents when it calls another node's API on a client's behalf. */
  public String nodeToken() {
    return ClientTokens.nodeToken(config.secret());
  }

  /** A setting from MicroProfile Config; a secret may come from the file its -file key names. */
  /** The term this node leads in, or -1 while it does not lead. */
  private long termIfLeading() {
    RaftStatus s = driver.status();
    return s.isLeader() ? s.term() : -1;
  }

  private Optional<String> setting(String key) {
    return SecretFiles.resolving(k -> mpConfig.getOptionalValue(k, String.class)).apply(key);
  }

  private long readMaxFileBytes() {
    long max =
        mpConfig
            .getOptionalValue(MAX_FILE_BYTES, Long.class)
            .orElse(LocalJobRunner.DEFAULT_MAX_FILE_BYTES);
    if (max < 0) {
      throw new IllegalArgumentException(
          MAX_FILE_BYTES + " is the largest file in bytes, not " + max);
    }
    return max;
  }

  /**
   * The queues of the first connected queue server as it last told this node; empty if not
   * connected to one.
   */
  public Optional<QueueDepths> queueDepths() {
    QueueWorker w = queueWorker;
    return w == null ? Optional.empty() : w.queueDepths();
  }

  /** Every queue server this node links to, with its state and queues; empty if it knows none. */
  public List<QueueServerStatus> queueServers() {
    QueueWorker w = queueWorker;
    return w == null ? List.of() : w.queueServers();
  }

  /** Counts asked of this node: through the shared queue, or here without a queue connection. */
  public FileCounter fileCounter() {
    return fileCounter;
  }

  /** The replicated file store of this node. */
  public FileService fileService() {
    return fileService;
  }

  /** Group membership on this node's log and database. */
  public GroupService groupService() {
    return groupService;
  }

  /** The node's latest status; never null once deployed. */
  public RaftStatus status() {
    return driver.status();
  }

  /** The node's latest status in the application's terms, for the page, the API and health. */
  public NodeStatus nodeStatus() {
    return NodeStatuses.of(status());
  }

  /** Whether the driver's latest status says this node leads (read on the driver's thread). */
  private boolean leading() {
    RaftDriver d = driver;
    return d != null && d.status().isLeader();
  }

  /** See {@link io.spindle.node.application.NodeFacade#transferLeadership}. */
  public CompletableFuture<String> transferLeadership(Optional<String> target) {
    RaftDriver d = driver;
    if (d == null || !d.status().isLeader()) {
      return CompletableFuture.failedFuture(notLeader());
    }
    CompletableFuture<Void> moved;
    if (target.isPresent()) {
      NodeId to = NodeId.of(target.get());
      if (!d.status().configuration().isVoter(to)) {
        return CompletableFuture.failedFuture(
            new io.spindle.node.application.NotAVoterException(
                "'"
                    + to
                    + "' is not a voter of this cluster; only a voter can lead (GET /api/cluster"
                    + " lists the members)"));
      }
      moved = d.transferLeadership(to);
    } else {
      moved = d.handOverLeadership();
    }
    return moved
        .thenApply(
            v ->
                target.orElseGet(
                    () ->
                        d.status()
                            .leader()
                            .map(NodeId::toString)
                            .orElse(config().nodeId().toString())))
        .exceptionallyCompose(
            e ->
                CompletableFuture.failedFuture(
                    unwrap(e) instanceof io.spindle.raft.server.NotLeaderException
                        ? notLeader()
                        : e));
  }

  private io.spindle.node.application.NotLeaderException notLeader() {
    return new io.spindle.node.application.NotLeaderException(
        driver == null ? Optional.empty() : leaderHttpUrl(), "leadership transfers");
  }

  private static Throwable unwrap(Throwable e) {
    return e instanceof java.util.concurrent.CompletionException && e.getCause() != null
        ? e.getCause()
        : e;
  }

  /** How to reach {@code member}, if the current configuration knows it with an http URL. */
  public Optional<MemberAddress> addressOf(NodeId member) {
    return status().configuration().member(member).flatMap(NodeRuntime::parse);
  }

  /** The leader's web base URL, if there is a leader and its address carries one. */
  public Optional<URI> leaderHttpUrl() {
    return status().leader().flatMap(this::addressOf).map(MemberAddress::httpUrl);
  }

  /**
   * Ready for clients: the node runs, knows a leader, and has applied the log up to the leader's
   * commit index as a read barrier found it once it first saw that leader (it then stays ready
   * while a leader is known). A node still catching up is not ready. Never blocks.
   */
  public boolean ready() {
    return readiness.ready();
  }

  static Optional<MemberAddress> parse(Member member) {
    try {
      return Optional.of(MemberAddress.parse(member.address()));
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  /** Peers' messages go to the driver; Raft clients are pointed at the HTTP API. */
  private final class Inbound implements InboundHandler {
    @Override
    public void onMessage(Message message) {
      RaftDriver d = driver;
      if (d != null) {
        d.deliver(message);
      }
    }

    @Override
    public void onClientRequest(ClientRequest request, Consumer<ClientReply> reply) {
      reply.accept(
          ClientReply.newBuilder()
              .setRequestId(request.getRequestId())
              .setStatus(ClientReply.Status.ERROR)
              .setError(
                  "a Spindle node serves clients over HTTP at "
                      + config.httpUrl()
                      + "/api, not on its Raft port")
              .build());
    }
  }
}
