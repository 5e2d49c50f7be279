package io.spindle.node.infrastructure.queue;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.spindle.discovery.HostPort;
import io.spindle.node.application.QueueDepths;
import io.spindle.node.application.QueueServerStatus;
import io.spindle.protocol.logging.RateLimitedLog;
import io.spindle.protocol.queue.ChunkData;
import io.spindle.protocol.queue.Job;
import io.spindle.protocol.queue.JobResult;
import io.spindle.protocol.queue.NodeStatus;
import io.spindle.protocol.queue.ReleaseJobs;
import io.spindle.protocol.queue.Steal;
import io.spindle.protocol.queue.Task;
import io.spindle.protocol.queue.TaskResult;
import io.spindle.protocol.tls.ClusterTls;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Takes work from the queue servers for this node: it keeps one {@link QueueLink} to every queue
 * server it knows of — the configured ones, the ones discovery answers ({@link #link}), and the
 * ones a queue server's Welcome names — at most {@value #MAX_LINKS}. Each link dials with its own
 * jittered back-off, proves the cluster secret, keeps one long-poll {@link Steal} outstanding while
 * this node has free slots, renews the leases of the jobs it received every third of the lease time
 * with this node's status (which names every queue server the node knows), fetches the chunks of
 * large writes, and sends each job's {@link JobResult}. The jobs of all links run on one pool of
 * {@link Settings#slots()} threads through {@link JobRunner}; a steal asks for at most its link's
 * share of the free slots, so that every link gets work. A job that waits for an event (a show of a
 * group waiting for a change) waits without a thread and, up to {@value #MAX_WAITING_JOBS} of them,
 * without a slot; its lease is renewed as any running job's.
 *
 * <p>A job the node cannot do now (a write on a node that just lost the leadership) is given back
 * with {@link ReleaseJobs}, so the queue server hands it to the leader. If a link's connection
 * drops, its running jobs finish and their results are dropped: their leases expire and that queue
 * server hands them out again, and the client's request id makes the effect apply once.
 *
 * <p>A job may share work out as tasks through the link it came by ({@link JobLink}); work asked of
 * this node directly ({@link #submit}) goes through the first connected link. Tasks go to that
 * queue server's shared queue, any node (this one too) steals them, and each task's result comes
 * back over the same link. If it drops, the queue server drops the tasks and their futures fail
 * here.
 *
 * <p>Two links that turn out to reach the same queue server (its id; e.g. configured as {@code
 * localhost:4000} and named {@code 127.0.0.1:4000} by its Welcome) are one: the later is retired.
 *
 * <p><b>Threading:</b> link and connection state lives on one Netty event loop thread; jobs run on
 * a pool of {@link Settings#slots()} threads. Public methods may be called from any thread and do
 * not block, except {@link #close()}.
 */
public final class QueueWorker implements AutoCloseable, TaskSubmitter {
  private static final Logger LOG = Logger.getLogger(QueueWorker.class.getName());

  /** At most this many queue servers: a Welcome must not make a node dial any number of hosts. */
  public static final int MAX_LINKS = 16;

  /**
   * Jobs waiting for an event (shows of groups waiting for a change) that hold no slot; past this
   * many, a waiting job keeps its slot, so that the node takes no more work than it can hold.
   */
  static final int MAX_WAITING_JOBS = 4096;

  /** Failing jobs: a flood of them must not fill the node's disk with stack traces. */
  private final RateLimitedLog failureLog = RateLimitedLog.of(LOG);

  /**
   * @param servers queue servers to take work from (the configured ones); more join with {@link
   *     #link} and from the queue servers' Welcomes
   * @param slots jobs run at once, over all links
   * @param stealWait how long a steal may wait at the queue server for work
   * @param tls TLS trusting the cluster's CA, or null for plain text
   */
  public record Settings(
      List<InetSocketAddress> servers,
      String clusterId,
      byte[] secret,
      int slots,
      Duration stealWait,
      Duration fetchTimeout,
      ClusterTls tls) {
    public Settings {
      servers = List.copyOf(servers);
      if (servers.isEmpty()) {
        throw new IllegalArgumentException("no queue server to take work from");
      }
      Objects.requireNonNull(clusterId, "clusterId");
      secret = secret.clone();
      if (slots < 1) {
        throw new IllegalArgumentException("slots must be positive: " + slots);
      }
    }

    public static Settings defaults(
        List<InetSocketAddress> servers, String clusterId, byte[] secret) {
      return new Settings(
          servers, clusterId, secret, 256, Duration.ofSeconds(1), Duration.ofSeconds(30), null);
    }

    /** These settings over TLS trusting {@code t}'s CA (plain text if null). */
    public Settings withTls(ClusterTls t) {
      return new Settings(servers, clusterId, secret, slots, stealWait, fetchTimeout, t);
    }

    /** These settings with {@code n} job slots. */
    public Settings withSlots(int n) {
      return new Settings(servers, clusterId, secret, n, stealWait, fetchTimeout, tls);
    }
  }

  // Package-private: the state its links and connections read and write.
  final String nodeId;
  final Settings settings;
  private final JobRunner runner;
  private final Supplier<NodeStatus> status;
  final EventLoopGroup group;
  final ExecutorService jobs;
  final SecureRandom random = new SecureRandom();
  private final AtomicLong nextTaskId = new AtomicLong();
  volatile boolean closed;

  /**
   * Jobs received and not yet finished that hold a slot, over all links (running, waiting for a
   * thread, or waiting for an event past {@value #MAX_WAITING_JOBS} such jobs).
   */
  final AtomicInteger busy = new AtomicInteger();

  /** Jobs waiting for an event without a thread (see {@link JobRunner#start}). */
  private final AtomicInteger waiting = new AtomicInteger();

  /** Job slots that outstanding steals asked for. Event loop only. */
  int requested;

  /** Addresses of retired links (another link reaches the same server). Event loop only. */
  private final Set<String> aliases = new HashSet<>();

  private boolean warnedFull;

  // Replaced (copy on write) on the event loop; read from any thread.
  private volatile List<QueueLink> links = List.of();

  public QueueWorker(
      String nodeId,
      Settings settings,
      JobRunner runner,
      Supplier<NodeStatus> status,
      ThreadFactory threadFactory) {
    this.nodeId = Objects.requireNonNull(nodeId, "nodeId");
    this.settings = settings;
    this.runner = runner;
    this.status = status;
    this.group = new NioEventLoopGroup(1, threadFactory);
    this.jobs =
        new ThreadPoolExecutor(
            settings.slots(),
            settings.slots(),
            60,
            TimeUnit.SECONDS,
            new LinkedBlockingQueue<>(),
            threadFactory);
  }

  /** Dials the configured queue servers. */
  public void start() {
    link(settings.servers());
  }

  /**
   * Takes work from {@code servers} too (the ones already linked, and any past {@value #MAX_LINKS}
   * links, are left out). Any thread; does not wait.
   */
  public void link(Collection<InetSocketAddress> servers) {
    List<InetSocketAddress> copy = List.copyOf(servers);
    try {
      group.execute(() -> copy.forEach(s -> add(s, "configured or discovered")));
    } catch (RuntimeException stopping) {
      // the worker is closed: nothing to link
    }
  }

  private void add(InetSocketAddress server, String how) {
    if (closed) {
      return;
    }
    String name = QueueLink.name(server);
    if (aliases.contains(name) || links.stream().anyMatch(l -> l.address.equals(name))) {
      return;
    }
    if (links.size() >= MAX_LINKS) {
      if (!warnedFull) {
        warnedFull = true;
        LOG.warning(
            () ->
                "Node "
                    + nodeId
                    + " already takes work from "
                    + MAX_LINKS
                    + " queue servers; it does not link to "
                    + name
                    + " ("
                    + how
                    + ") or any further one");
      }
      return;
    }
    QueueLink link = new QueueLink(this, server);
    List<QueueLink> more = new ArrayList<>(links);
    more.add(link);
    links = List.copyOf(more);
    LOG.info(
        () -> "Node " + nodeId + " takes work from the queue server at " + name + " (" + how + ")");
    link.dial();
  }

  /**
   * A link was welcomed: if another link already reaches the same queue server it is retired;
   * otherwise the queue servers its Welcome names are linked too. Event loop.
   */
  void welcomed(QueueServerConnection c) {
    for (QueueLink other : links) {
      if (other != c.link && other.live().map(o -> o.serverId.equals(c.serverId)).orElse(false)) {
        LOG.info(
            () ->
                "Node "
                    + nodeId
                    + ": "
                    + c.link.address
                    + " is queue server "
                    + c.serverId
                    + ", which it takes work from at "
                    + other.address
                    + " already; dropping the second link");
        retire(c.link);
        return;
      }
    }
    for (String named : c.welcome.getQueueServersList()) {
      try {
        HostPort hp = HostPort.parse(named);
        add(
            InetSocketAddress.createUnresolved(hp.host(), hp.port()),
            "named by the queue server at " + c.link.address);
      } catch (IllegalArgumentException e) {
        LOG.warning(
            () ->
                "The queue server at "
                    + c.link.address
                    + " names a queue server '"
                    + named
                    + "' that is not host:port; ignored: "
                    + e.getMessage());
      }
    }
  }

  private void retire(QueueLink link) {
    link.retired = true;
    aliases.add(link.address);
    List<QueueLink> fewer = new ArrayList<>(links);
    fewer.remove(link);
    links = List.copyOf(fewer);
    QueueServerConnection c = link.connection;
    if (c != null) {
      c.channel.close();
    }
  }

  /** Stops taking work; jobs already running finish (their results are sent if still possible). */
  @Override
  public void close() {
    closed = true;
    try {
      group.execute(
          () -> {
            for (QueueLink l : links) {
              QueueServerConnection c = l.connection;
              if (c != null) {
                c.releaseAll("node " + nodeId + " is stopping");
                c.channel.close();
              }
            }
          });
    } catch (RuntimeException alreadyStopped) {
      // closed twice
    }
    jobs.shutdownNow();
    try {
      jobs.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
  }

  /**
   * Sends this node's status to every connected queue server now (a renewal of its running jobs),
   * instead of with the next steal or renewal. Any thread; does not wait.
   */
  public void reportStatusNow() {
    group.execute(
        () -> {
          if (!closed) {
            links.forEach(l -> l.live().ifPresent(QueueServerConnection::renew));
          }
        });
  }

  /**
   * Queues a task on the shared queue of the first connected queue server; the future completes
   * with its result, or fails with an {@link IOException} if no link is connected or it closes
   * first. Any thread; does not wait. A job's own tasks go through its {@link JobLink} instead.
   */
  @Override
  public CompletableFuture<TaskResult> submit(Task.Builder task) {
    for (QueueLink l : links) {
      Optional<QueueServerConnection> c = l.live();
      if (c.isPresent()) {
        return c.get().submit(task);
      }
    }
    return CompletableFuture.failedFuture(
        new IOException("node " + nodeId + " is not connected to a queue server"));
  }

  String nextTaskId() {
    return "t" + nextTaskId.incrementAndGet();
  }

  /** What this node reports with every steal and renewal: its status and its queue servers. */
  NodeStatus reportedStatus() {
    return status.get().toBuilder().clearQueueServers().addAllQueueServers(knownServers()).build();
  }

  /**
   * The queues of the first connected queue server, as its last renewal answer (at most a second
   * old) told them; empty while none is connected or before the first answer.
   */
  public Optional<QueueDepths> queueDepths() {
    for (QueueLink l : links) {
      Optional<QueueDepths> d = l.depths();
      if (d.isPresent()) {
        return d;
      }
    }
    return Optional.empty();
  }

  /** Every queue server this worker links to, in the order it learned them, with its state. */
  public List<QueueServerStatus> queueServers() {
    return links.stream().map(QueueLink::status).toList();
  }

  /** host:port of every queue server this worker links to, in the order it learned them. */
  public List<String> knownServers() {
    return links.stream().map(l -> l.address).toList();
  }

  /** Whether at least one link is connected and authenticated (for health and submissions). */
  @Override
  public boolean connected() {
    return links.stream().anyMatch(l -> l.live().isPresent());
  }

  // ---------------------------------------------------------------- slots

  /**
   * Reserves job slots for one steal: the link's share of the slots (all of them over the connected
   * links), at most the free ones, so that one link's long-poll does not hold every slot. Event
   * loop.
   */
  int reserveSlots() {
    long connectedLinks = links.stream().filter(l -> l.live().isPresent()).count();
    int share = (int) Math.max(1, settings.slots() / Math.max(1, connectedLinks));
    int free = settings.slots() - busy.get() - requested;
    int ask = Math.min(share, free);
    if (ask <= 0) {
      return 0;
    }
    requested += ask;
    return ask;
  }

  /** A steal was answered or lost: its slots are free again, and other links may steal. */
  void unreserveSlots(int n) {
    requested -= n;
  }

  /** Lets every connected link steal again if it has a share of free slots. Event loop. */
  void stealEverywhere() {
    links.forEach(l -> l.live().ifPresent(QueueServerConnection::steal));
  }

  // ---------------------------------------------------------------- jobs

  /**
   * Runs one job on a job thread: {@link JobRunner#start starts} it and, once its result is there,
   * sends it (or gives the job back) on the link's event loop. A job that waits for an event (a
   * show of a group waiting for a change) gives its thread back to the pool at once and, while at
   * most {@value #MAX_WAITING_JOBS} jobs wait, its slot too, so that waiting jobs do not starve the
   * others; it stays among its connection's running jobs, whose leases are renewed, until its
   * future completes.
   */
  void run(QueueServerConnection via, Job job) {
    CompletableFuture<JobResult.Builder> started;
    try {
      started = runner.start(job, via.linkFor(job), jobs);
    } catch (RuntimeException e) {
      started = CompletableFuture.failedFuture(e);
    }
    if (started.isDone()) {
      finish(via, job, started, false);
      return;
    }
    boolean slotFreed = waiting.incrementAndGet() <= MAX_WAITING_JOBS;
    if (slotFreed) {
      busy.decrementAndGet();
      onEventLoop(via, this::stealEverywhere);
    }
    CompletableFuture<JobResult.Builder> result = started;
    via.waiting(job, result);
    result.whenComplete(
        (r, e) -> {
          waiting.decrementAndGet();
          finish(via, job, result, slotFreed);
        });
  }

  /**
   * Sends the result of a job whose future is complete, or gives the job back, on the link's event
   * loop. Any thread.
   *
   * @param slotFreed whether the job gave its slot back while it waited (so its end does not)
   */
  private void finish(
      QueueServerConnection via,
      Job job,
      CompletableFuture<JobResult.Builder> done,
      boolean slotFreed) {
    JobResult result = null;
    ReleaseJobs release = null;
    try {
      result = done.join().setJobId(job.getJobId()).setRequestId(job.getRequestId()).build();
    } catch (CancellationException e) {
      // Its lease was lost or its link closed: there is nobody to answer.
      release =
          ReleaseJobs.newBuilder()
              .addJobIds(job.getJobId())
              .setReason("node " + nodeId + " stopped waiting for it")
              .build();
    } catch (CompletionException e) {
      Throwable cause = e.getCause() == null ? e : e.getCause();
      if (cause instanceof JobRunner.CannotRunHereException) {
        release =
            ReleaseJobs.newBuilder()
                .addJobIds(job.getJobId())
                .setReason(cause.getMessage())
                .build();
      } else {
        release = failed(job, cause);
      }
    } catch (RuntimeException e) {
      release = failed(job, e);
    }
    JobResult finalResult = result;
    ReleaseJobs finalRelease = release;
    onEventLoop(via, () -> via.finished(job, finalResult, finalRelease, slotFreed));
  }

  /**
   * A job that failed on this node is given back as failed: the queue server counts it against the
   * job's failure limit, so a job that fails everywhere ends with an error to its client instead of
   * going round.
   */
  private ReleaseJobs failed(Job job, Throwable e) {
    failureLog.log(
        Level.WARNING,
        e.getClass().getName(),
        () -> "Job " + job.getJobId() + " (" + job.getRequestId() + ") failed on node " + nodeId,
        e);
    return ReleaseJobs.newBuilder()
        .addJobIds(job.getJobId())
        .setReason("node " + nodeId + " failed: " + e)
        .setFailed(true)
        .build();
  }

  private static void onEventLoop(QueueServerConnection via, Runnable task) {
    try {
      via.channel.eventLoop().execute(task);
    } catch (RuntimeException stopped) {
      // the worker is closing: its links are closed and their jobs given back or lost
    }
  }

  /** Fetches one chunk of a write job's upload from the queue server. */
  @FunctionalInterface
  public interface ChunkFetcher {
    CompletableFuture<ChunkData> fetch(String uploadId, int index);
  }
}
