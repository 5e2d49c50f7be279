package io.spindle.queue.service;

import static io.spindle.queue.service.ReplyFrames.error;
import static io.spindle.queue.service.ReplyFrames.errorReply;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import io.spindle.protocol.queue.CancelTasks;
import io.spindle.protocol.queue.ErrorCode;
import io.spindle.protocol.queue.FetchChunk;
import io.spindle.protocol.queue.Job;
import io.spindle.protocol.queue.JobResult;
import io.spindle.protocol.queue.QueueError;
import io.spindle.protocol.queue.ReleaseJobs;
import io.spindle.protocol.queue.Renew;
import io.spindle.protocol.queue.Request;
import io.spindle.protocol.queue.StatusResult;
import io.spindle.protocol.queue.Steal;
import io.spindle.protocol.queue.SubmitTasks;
import io.spindle.protocol.queue.WriteBegin;
import io.spindle.protocol.queue.WriteChunk;
import io.spindle.queue.jobs.JobQueueSettings;
import io.spindle.queue.jobs.JobQueues;
import io.spindle.queue.jobs.JobQueues.JobView;
import io.spindle.queue.jobs.JobQueues.LostLease;
import io.spindle.queue.jobs.ResultCache;
import io.spindle.queue.spool.ChunkSpool;
import io.spindle.queue.spool.ChunkSpool.ChunkOutcome;
import java.io.IOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.InstantSource;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The queue server's logic, behind the transport: client requests become jobs in {@link JobQueues},
 * chunked uploads wait in the {@link ChunkSpool}, nodes steal the jobs, and results go back to the
 * clients waiting for them.
 *
 * <p><b>Threading:</b> one thread, the <em>core</em> (an injected single-threaded scheduler), owns
 * every piece of state here; the public methods may be called from any thread (the transport's
 * event loops) and hand their work to it. Disk work (chunk writes, verification, reads) runs on the
 * injected I/O executor and hands its result back to the core. Nothing here blocks an event loop.
 *
 * <p><b>Answers:</b> a request gets exactly one final answer; retries with the same request id are
 * attached to the job already under way, or answered from the {@link ResultCache}. A write is
 * answered WriteDone only from a node's result, which a node sends only once the leader has
 * committed and applied the file.
 *
 * <p><b>Parts:</b> this class is the entry point; it owns the collaborators that do the work and
 * calls them on the core thread only: {@link ClientRequests} and {@link NodeRequests} take what
 * clients and nodes ask, {@link InFlightJobs} queues jobs by request id, {@link JobHandout} hands
 * them to the nodes' steals, {@link JobOutcomes} ends them and answers, {@link SubmittedTasks} and
 * {@link MembershipJobs} are the jobs no client waits for, {@link StatusViews} shows the state. The
 * periodic tick is here.
 */
public final class QueueService {
  private static final Logger LOG = Logger.getLogger(QueueService.class.getName());

  /** The longest request id (or task id) taken. */
  static final int MAX_REQUEST_ID_LENGTH = 128;

  /** When to retry after UNAVAILABLE (shutting down, no node took the job in time). */
  static final long UNAVAILABLE_RETRY_MS = 1_000;

  private static final Duration MAINTENANCE_PERIOD = Duration.ofSeconds(5);

  /** Jobs given up on that the status keeps (a renewal answer carries the newest few). */
  static final int DEAD_LETTERS = 100;

  /** Count answers kept to be handed out again (each a few KiB, with its top words). */
  private static final int LAST_COUNTS = 256;

  /** Names whose content (SHA-256) is remembered, to find a count answer by content. */
  private static final int CONTENT_NAMES = 65_536;

  /**
   * Count ranges a node holds at once: a range keeps a core busy, and a node steals for all its
   * free job slots at once, so without a bound the first node to ask would take every range.
   */
  static final int RANGES_PER_NODE = 2;

  private final ServiceSettings config;
  private final ChunkSpool spool;
  private final InstantSource clock;
  private final ScheduledExecutorService core;
  private final Executor disk;

  // Confined to the core thread.
  private final JobQueues<Job> queues;
  private final AnswerRouter answers;
  private final InFlightJobs inFlight;
  private final ChunkedWrites writes;
  private final NodeDirectory nodes;
  private final QueueServerDirectory queueServers;
  private final CountAnswers countAnswers = new CountAnswers(LAST_COUNTS, CONTENT_NAMES);
  private final DeadLetters deadLetters;
  private final StatusViews views;
  private final JobHandout handout;
  private final MembershipJobs membership;
  private final SubmittedTasks tasks;
  private final JobOutcomes outcomes;
  private final NodeRequests nodeRequests;
  private final ClientRequests clientRequests;
  private final JobTally tally = new JobTally();
  private long lastMaintenanceMillis;
  private ScheduledFuture<?> ticker;

  /** A service with no configured peers (it learns other queue servers from its nodes). */
  public QueueService(
      ServiceSettings config,
      JobQueueSettings jobQueueSettings,
      ChunkSpool spool,
      InstantSource clock,
      ScheduledExecutorService core,
      Executor io) {
    this(config, jobQueueSettings, spool, clock, core, io, List.of());
  }

  /**
   * @param core a single-threaded scheduler this service owns from now on (it shuts it down)
   * @param io runs blocking disk work; not owned
   * @param peers host:port of the other queue servers of this cluster, as configured
   */
  public QueueService(
      ServiceSettings config,
      JobQueueSettings jobQueueSettings,
      ChunkSpool spool,
      InstantSource clock,
      ScheduledExecutorService core,
      Executor io,
      List<String> peers) {
    this.config = Objects.requireNonNull(config, "config");
    this.spool = Objects.requireNonNull(spool, "spool");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.deadLetters = new DeadLetters(DEAD_LETTERS, clock);
    this.core = Objects.requireNonNull(core, "core");
    this.disk = Objects.requireNonNull(io, "io");
    this.queues = new JobQueues<>(jobQueueSettings, clock);
    this.queues.limitPerNode(SubmittedTasks.COUNT_RANGE, RANGES_PER_NODE);
    this.answers =
        new AnswerRouter(
            new ResultCache<>(
                config.resultCacheSize(),
                config.resultCacheBytes(),
                AnswerRouter::weight,
                config.resultTtl(),
                clock));
    this.nodes = new NodeDirectory(clock);
    this.queueServers = new QueueServerDirectory(config.advertisedAddress(), peers);
    this.handout = new JobHandout(config, queues, clock);
    this.inFlight = new InFlightJobs(config, queues, answers, handout);
    this.writes =
        new ChunkedWrites(config, spool, answers, io, this::onCore, inFlight.leaderQueueSink());
    this.views = new StatusViews(config, spool, queues, nodes, deadLetters);
    this.membership = new MembershipJobs(inFlight, views);
    this.tasks = new SubmittedTasks(config, queues, nodes, inFlight, countAnswers, handout);
    this.outcomes =
        new JobOutcomes(
            config,
            queues,
            nodes,
            inFlight,
            writes,
            answers,
            tasks,
            countAnswers,
            deadLetters,
            views,
            handout,
            tally);
    this.nodeRequests =
        new NodeRequests(
            spool,
            io,
            queues,
            nodes,
            queueServers,
            handout,
            outcomes,
            tasks,
            membership,
            deadLetters,
            views);
    this.clientRequests =
        new ClientRequests(
            config, spool, queues, nodes, answers, inFlight, writes, countAnswers, views);
  }

  public ServiceSettings config() {
    return config;
  }

  /** How long a lease lasts unless renewed. */
  public Duration leaseDuration() {
    return queues.limits().lease();
  }

  /** Starts the periodic check of leases, deadlines and long polls. */
  public void start() {
    onCore(
        () ->
            ticker =
                core.scheduleWithFixedDelay(
                    () -> guarded("tick", this::tick),
                    config.tick().toNanos(),
                    config.tick().toNanos(),
                    TimeUnit.NANOSECONDS));
  }

  /** Stops the core thread; clients still waiting get UNAVAILABLE. */
  public void stop() {
    CompletableFuture<Void> done = new CompletableFuture<>();
    try {
      core.execute(
          () -> {
            try {
              if (ticker != null) {
                ticker.cancel(false);
              }
              QueueError e =
                  error(
                      ErrorCode.UNAVAILABLE,
                      "the queue server is shutting down; retry on another queue server",
                      UNAVAILABLE_RETRY_MS);
              for (String rid : answers.waiting()) {
                answers.answer(rid, errorReply(rid, e), null);
              }
            } finally {
              done.complete(null);
            }
          });
      done.get(5, TimeUnit.SECONDS);
    } catch (RuntimeException | InterruptedException | ExecutionException | TimeoutException e) {
      LOG.log(Level.FINE, "stopping the queue service", e);
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
    }
    core.shutdown();
  }

  // ---- client side: entry points ----

  /** A client's request. Any thread. */
  public void request(Peer client, Request request) {
    // Hashing stays on the caller's thread (an event loop), off the one core thread.
    ByteString fingerprint = fingerprint(request);
    String inlineProblem =
        request.hasWriteBegin() && request.getWriteBegin().getChunkCount() == 0
            ? inlineProblem(request.getWriteBegin())
            : null;
    onCore(() -> clientRequests.onRequest(client, request, fingerprint, inlineProblem));
  }

  /**
   * A client's chunk: verified and stored on the I/O executor, then {@code done} runs (on that
   * executor), so the transport can pace how many chunks a connection has in flight.
   */
  public void writeChunk(Peer client, WriteChunk chunk, Runnable done) {
    try {
      disk.execute(
          () -> {
            try {
              ChunkOutcome outcome =
                  spool.putChunk(
                      chunk.getUploadId(),
                      chunk.getIndex(),
                      chunk.getSha256().toByteArray(),
                      chunk.getData().asReadOnlyByteBuffer());
              if (outcome != ChunkOutcome.STORED && outcome != ChunkOutcome.DUPLICATE) {
                LOG.fine(
                    () ->
                        client.describe()
                            + ": chunk "
                            + chunk.getIndex()
                            + " of upload "
                            + chunk.getUploadId()
                            + " dropped: "
                            + outcome);
              }
            } catch (IOException | RuntimeException e) {
              LOG.log(
                  Level.WARNING,
                  "cannot store chunk "
                      + chunk.getIndex()
                      + " of upload "
                      + chunk.getUploadId()
                      + " in the spool; it will be asked for again",
                  e);
            } finally {
              done.run();
            }
          });
    } catch (RuntimeException e) { // rejected: shutting down
      done.run();
    }
  }

  /**
   * A client connection has been silent for its idle timeout: closed with {@code reason} unless it
   * waits for an answer. Any thread.
   */
  public void closeIfIdle(Peer client, String reason) {
    onCore(
        () -> {
          if (answers.waitingCount(client) == 0) {
            client.closeIdle(reason);
          }
        });
  }

  /** A client's connection closed: it waits for nothing any more. Any thread. */
  public void clientClosed(Peer client) {
    onCore(() -> answers.forget(client));
  }

  // ---- node side: entry points ----

  public void steal(Peer node, String nodeId, Steal steal) {
    onCore(() -> nodeRequests.onSteal(node, nodeId, steal));
  }

  public void renew(Peer node, String nodeId, Renew renew) {
    onCore(() -> nodeRequests.onRenew(node, nodeId, renew));
  }

  public void fetchChunk(Peer node, String nodeId, FetchChunk fetch) {
    onCore(() -> nodeRequests.onFetchChunk(node, nodeId, fetch));
  }

  public void jobResult(Peer node, String nodeId, JobResult result) {
    onCore(() -> outcomes.onJobResult(nodeId, result));
  }

  public void releaseJobs(Peer node, String nodeId, ReleaseJobs release) {
    onCore(() -> nodeRequests.onRelease(nodeId, release));
  }

  /** A node gives up tasks it submitted: they are dropped, queued or leased. */
  public void cancelTasks(Peer node, String nodeId, CancelTasks cancel) {
    onCore(() -> tasks.onCancelTasks(node, nodeId, cancel));
  }

  /** A node shares work out: its tasks go on the shared queue, their results back to it. */
  public void submitTasks(Peer node, String nodeId, SubmitTasks submit) {
    onCore(() -> tasks.onSubmitTasks(node, nodeId, submit));
  }

  /** A node authenticated. Any thread. */
  public void nodeConnected(Peer node, String nodeId) {
    onCore(() -> nodes.connected(nodeId, node.id()));
  }

  /**
   * A node announced itself to the discovery server and wants to join: unless the cluster view
   * already lists it as a member, a JOIN job for the leader is queued, at most one at a time per
   * node id (repeated announcements while one is queued or leased change nothing). Any thread.
   */
  public void join(String nodeId, String raftAddress, String httpUrl) {
    Objects.requireNonNull(nodeId, "nodeId");
    Objects.requireNonNull(raftAddress, "raftAddress");
    Objects.requireNonNull(httpUrl, "httpUrl");
    onCore(() -> membership.onJoin(nodeId, raftAddress, httpUrl));
  }

  /** A node's connection closed: its leases over it are lost (the jobs are redone). */
  public void nodeClosed(Peer node, String nodeId) {
    onCore(() -> nodeRequests.onNodeClosed(node, nodeId));
  }

  // ---- views ----

  /** The cluster as the nodes last reported it. Any thread; never blocks. */
  public ReportedCluster reportedCluster() {
    return views.reportedCluster();
  }

  /**
   * Every queue server of this cluster this one knows of (host:port), itself first: what a Welcome
   * names. Any thread; never blocks.
   */
  public List<String> queueServers() {
    return queueServers.known();
  }

  /** The status a Status request answers. Blocks until the core thread has built it. */
  public StatusResult status() {
    CompletableFuture<StatusResult> f = new CompletableFuture<>();
    onCore(() -> f.complete(views.buildStatus()));
    try {
      return f.get(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while asking for the status", e);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("the queue service did not answer the status request", e);
    }
  }

  /**
   * The numbers the metrics port shows, built on the core thread. Never blocks the caller: the
   * future completes once the core thread has built them (or fails if the service is stopped).
   */
  public CompletableFuture<QueueServiceMetrics> metrics() {
    CompletableFuture<QueueServiceMetrics> f = new CompletableFuture<>();
    try {
      core.execute(
          () -> {
            try {
              f.complete(views.buildMetrics(tally.snapshot()));
            } catch (RuntimeException e) {
              f.completeExceptionally(e);
            }
          });
    } catch (RuntimeException e) {
      f.completeExceptionally(new IllegalStateException("the queue service is stopped", e));
    }
    return f;
  }

  // ---- time (core thread) ----

  private void tick() {
    List<LostLease<Job>> expired = queues.expireLeases();
    // A node that stopped renewing is presumed hung: its parked steals are answered empty.
    Set<String> hung = new LinkedHashSet<>();
    expired.forEach(l -> hung.add(l.nodeId()));
    handout.answerEmpty(hung);
    outcomes.handleLost(expired, "it was not renewed in time");
    for (JobView<Job> j : queues.dropOverdue()) {
      tally.ended(j.queue(), JobOutcome.TIMED_OUT);
      if (!tasks.fail(
          j.id(),
          error(
              ErrorCode.UNAVAILABLE,
              "no node took the " + j.kind() + " task in time",
              UNAVAILABLE_RETRY_MS))) {
        outcomes.dropOverdue(j);
      }
    }
    long now = clock.millis();
    handout.answerDue(now);
    if (now - lastMaintenanceMillis >= MAINTENANCE_PERIOD.toMillis()) {
      lastMaintenanceMillis = now;
      answers.expire();
      writes.expireIdle();
      views.refreshClusterView();
    }
  }

  // ---- helpers ----

  private void onCore(Runnable task) {
    try {
      core.execute(() -> guarded("task", task));
    } catch (RuntimeException e) {
      LOG.fine(() -> "the queue service is stopped; dropping a task: " + e);
    }
  }

  private static void guarded(String what, Runnable task) {
    try {
      task.run();
    } catch (RuntimeException | Error e) {
      LOG.log(Level.SEVERE, "the queue service failed in a " + what + " (a bug)", e);
    }
  }

  private static ByteString fingerprint(Request request) {
    Request.Builder b = request.toBuilder().clearRequestId().clearTimeoutMs();
    if (b.hasWriteBegin()) {
      // A hash stands for inline data, so a cached answer does not keep the content alive.
      WriteBegin wb = b.getWriteBegin();
      b.setWriteBegin(
          wb.toBuilder().setInlineData(ByteString.copyFrom(sha256(wb.getInlineData()))));
    }
    return UnsafeByteOperations.unsafeWrap(sha256(b.build().toByteString()));
  }

  /** Why an inline write is refused, or null. Checked on the caller's thread, like the hash. */
  private String inlineProblem(WriteBegin begin) {
    int n = begin.getInlineData().size();
    if (begin.getChunkSize() != 0) {
      return "an inline write has chunk_size 0";
    }
    if (begin.getSize() != n) {
      return "size says " + begin.getSize() + " bytes but inline_data holds " + n;
    }
    if (n > config.maxInlineBytes()) {
      return "inline writes are at most "
          + config.maxInlineBytes()
          + " bytes; send "
          + n
          + " bytes in chunks";
    }
    if (begin.getSha256().size() != 32) {
      return "the file's SHA-256 must be 32 bytes, not " + begin.getSha256().size();
    }
    if (!Arrays.equals(sha256(begin.getInlineData()), begin.getSha256().toByteArray())) {
      return "inline_data does not hash to the SHA-256 sent with it (corrupted on the way?)";
    }
    return null;
  }

  private static byte[] sha256(ByteString data) {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      md.update(data.asReadOnlyByteBuffer());
      return md.digest();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("this JVM has no SHA-256", e);
    }
  }

  /** {@code text} cut to 200 characters, its control characters as '?', for a message or log. */
  static String printable(String text) {
    String cut = text.length() > 200 ? text.substring(0, 200) + "..." : text;
    return cut.replaceAll("\\p{Cntrl}", "?");
  }
}
