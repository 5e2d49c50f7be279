package io.spindle.node.infrastructure.queue;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.timeout.IdleStateHandler;
import io.spindle.node.application.QueueDepths;
import io.spindle.protocol.logging.RateLimitedLog;
import io.spindle.protocol.queue.CancelTasks;
import io.spindle.protocol.queue.ChunkData;
import io.spindle.protocol.queue.Job;
import io.spindle.protocol.queue.JobResult;
import io.spindle.protocol.queue.NodeStatus;
import io.spindle.protocol.queue.QueueFrame;
import io.spindle.protocol.queue.QueueProtocol;
import io.spindle.protocol.queue.ReleaseJobs;
import io.spindle.protocol.queue.Steal;
import io.spindle.protocol.queue.SubmitTasks;
import io.spindle.protocol.queue.Task;
import io.spindle.protocol.queue.TaskResult;
import io.spindle.protocol.tls.ClusterTls;
import io.spindle.wire.ProtobufFrameCodec;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Takes work from the queue servers for this node: it dials one queue server (the next one when
 * that fails, with jittered back-off), proves the cluster secret, then keeps one long-poll {@link
 * Steal} outstanding whenever it has a free slot, runs the jobs it receives on its own threads
 * through {@link JobRunner}, renews their leases every third of the lease time, fetches the chunks
 * of large writes, and sends each job's {@link JobResult}.
 *
 * <p>A job the node cannot do now (a write on a node that just lost the leadership) is given back
 * with {@link ReleaseJobs}, so the queue server hands it to the leader. If the connection drops,
 * running jobs finish and their results are dropped: their leases expire and the queue server hands
 * them out again, and the client's request id makes the effect apply once.
 *
 * <p>A job may share work out as tasks ({@link #submit}): they go to the queue server's shared
 * queue over this connection, any node (this one too) steals them, and each task's result comes
 * back here. If the connection drops, the tasks are dropped by the queue server and their futures
 * fail here.
 *
 * <p>Each connection is a {@link QueueServerConnection}, the Netty handler that speaks the
 * protocol.
 *
 * <p><b>Threading:</b> connection state lives on one Netty event loop thread; jobs run on a pool of
 * {@link Settings#slots()} threads. {@link #start()} and {@link #close()} may be called from any
 * thread.
 */
public final class QueueWorker implements AutoCloseable, TaskSubmitter {
  private static final Logger LOG = Logger.getLogger(QueueWorker.class.getName());

  /** Failing jobs: a flood of them must not fill the node's disk with stack traces. */
  private final RateLimitedLog failureLog = RateLimitedLog.of(LOG);

  private static final long MAX_BACKOFF_MILLIS = 5_000;
  private static final ProtobufFrameCodec<QueueFrame> CODEC =
      ProtobufFrameCodec.of(QueueFrame.getDefaultInstance(), QueueFrame.class);

  /**
   * @param servers queue servers to dial, in order of preference
   * @param slots jobs run at once
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
  }

  // Package-private: the state its QueueServerConnection (once its inner class) reads and writes.
  final String nodeId;
  final Settings settings;
  private final JobRunner runner;
  final Supplier<NodeStatus> status;
  private final EventLoopGroup group;
  final ExecutorService jobs;
  final SecureRandom random = new SecureRandom();
  final Map<Long, Job> running = new ConcurrentHashMap<>();
  final Set<Long> lost = ConcurrentHashMap.newKeySet();
  private final AtomicLong nextTaskId = new AtomicLong();
  volatile boolean closed;

  // Written on the event loop; read (connected, queueDepths, submit) from any thread.
  volatile QueueServerConnection connection;
  private int serverIndex;
  int failures;

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

  public void start() {
    group.execute(this::dial);
  }

  /** Stops taking work; jobs already running finish (their results are sent if still possible). */
  @Override
  public void close() {
    closed = true;
    group.execute(
        () -> {
          if (connection != null && !running.isEmpty()) {
            connection.send(
                QueueFrame.newBuilder()
                    .setReleaseJobs(
                        ReleaseJobs.newBuilder()
                            .addAllJobIds(running.keySet())
                            .setReason("node " + nodeId + " is stopping"))
                    .build());
          }
          if (connection != null) {
            connection.channel.close();
          }
        });
    jobs.shutdownNow();
    try {
      jobs.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
  }

  /**
   * Sends this node's status to the queue server now (a renewal of its running jobs), instead of
   * with the next steal or renewal; nothing if it is not connected. Any thread; does not wait.
   */
  public void reportStatusNow() {
    group.execute(
        () -> {
          QueueServerConnection c = connection;
          if (!closed && c != null && c.welcome != null && c.channel.isActive()) {
            c.renew();
          }
        });
  }

  /**
   * Queues a task on the shared queue of the queue server this worker is connected to; the future
   * completes with its result, or fails with an {@link IOException} if there is no connection or it
   * closes first. Any thread; does not wait.
   */
  @Override
  public CompletableFuture<TaskResult> submit(Task.Builder task) {
    CompletableFuture<TaskResult> future = new CompletableFuture<>();
    String taskId = "t" + nextTaskId.incrementAndGet();
    Task t = task.setTaskId(taskId).build();
    try {
      group.execute(
          () -> {
            QueueServerConnection c = connection;
            if (closed || c == null || c.welcome == null || !c.channel.isActive()) {
              future.completeExceptionally(
                  new IOException("node " + nodeId + " is not connected to a queue server"));
              return;
            }
            c.tasks.put(taskId, future);
            c.send(
                QueueFrame.newBuilder()
                    .setSubmitTasks(SubmitTasks.newBuilder().addTasks(t))
                    .build());
          });
    } catch (RuntimeException e) { // the event loop is shut down
      future.completeExceptionally(new IOException("node " + nodeId + " is stopping", e));
    }
    future.whenComplete(
        (r, e) -> {
          if (future.isCancelled()) {
            cancel(taskId);
          }
        });
    return future;
  }

  private void cancel(String taskId) {
    try {
      group.execute(
          () -> {
            QueueServerConnection c = connection;
            if (c != null && c.tasks.remove(taskId) != null && c.channel.isActive()) {
              c.send(
                  QueueFrame.newBuilder()
                      .setCancelTasks(CancelTasks.newBuilder().addTaskIds(taskId))
                      .build());
            }
          });
    } catch (RuntimeException stopping) {
      // the connection goes with the worker, and the queue server drops its tasks
    }
  }

  /**
   * The queues of the queue server this worker is connected to, as its last renewal answer (at most
   * a second old) told them; empty while not connected or before the first answer.
   */
  public Optional<QueueDepths> queueDepths() {
    QueueServerConnection c = connection;
    return c != null && c.welcome != null && c.channel.isActive()
        ? Optional.ofNullable(c.queues)
        : Optional.empty();
  }

  /** Whether the worker is connected and authenticated to a queue server (for health). */
  public boolean connected() {
    QueueServerConnection c = connection;
    return c != null && c.welcome != null && c.channel.isActive();
  }

  // ---------------------------------------------------------------- connection

  private void dial() {
    if (closed) {
      return;
    }
    InetSocketAddress server = settings.servers().get(serverIndex % settings.servers().size());
    InetSocketAddress resolved = new InetSocketAddress(server.getHostString(), server.getPort());
    QueueServerConnection attempt = new QueueServerConnection(this, server);
    new Bootstrap()
        .group(group)
        .channel(NioSocketChannel.class)
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 5_000)
        .option(ChannelOption.TCP_NODELAY, true)
        .handler(
            new ChannelInitializer<SocketChannel>() {
              @Override
              protected void initChannel(SocketChannel ch) {
                if (settings.tls() != null) {
                  SslHandler tls =
                      new SslHandler(
                          settings.tls().clientEngine(server.getHostString(), server.getPort()));
                  tls.setHandshakeTimeoutMillis(5_000);
                  ch.pipeline().addLast("tls", tls);
                }
                ch.pipeline().addLast(new IdleStateHandler(10, 2, 0));
                CODEC.addTo(ch.pipeline(), QueueProtocol.MAX_HANDSHAKE_FRAME_SIZE);
                ch.pipeline().addLast(attempt);
              }
            })
        .connect(resolved)
        .addListener(
            f -> {
              if (!f.isSuccess()) {
                retryLater(server, f.cause());
              }
            });
  }

  void retryLater(InetSocketAddress server, Throwable why) {
    if (closed) {
      return;
    }
    failures++;
    serverIndex++;
    long backoff = Math.min(MAX_BACKOFF_MILLIS, 100L << Math.min(failures, 6));
    long delay = backoff / 2 + ThreadLocalRandom.current().nextLong(backoff / 2 + 1);
    if (failures == 1 || failures % 20 == 0) {
      LOG.warning(
          () ->
              "Node "
                  + nodeId
                  + " cannot take work from the queue server at "
                  + server
                  + " ("
                  + (why == null ? "disconnected" : why.getMessage())
                  + "); retrying in "
                  + delay
                  + " ms"
                  + (settings.servers().size() > 1 ? " with the next queue server" : ""));
    }
    group.schedule(this::dial, delay, TimeUnit.MILLISECONDS);
  }

  // ---------------------------------------------------------------- jobs

  void run(QueueServerConnection via, Job job) {
    JobResult result = null;
    ReleaseJobs release = null;
    try {
      result =
          runner
              .run(job, (uploadId, index) -> via.fetch(uploadId, index, job.getJobId()))
              .setJobId(job.getJobId())
              .setRequestId(job.getRequestId())
              .build();
    } catch (JobRunner.CannotRunHereException e) {
      release =
          ReleaseJobs.newBuilder().addJobIds(job.getJobId()).setReason(e.getMessage()).build();
    } catch (RuntimeException e) {
      // Given back as failed: the queue server counts it against the job's failure limit, so a
      // job that fails everywhere ends with an error to its client instead of going round.
      failureLog.log(
          Level.WARNING,
          e.getClass().getName(),
          () -> "Job " + job.getJobId() + " (" + job.getRequestId() + ") failed on node " + nodeId,
          e);
      release =
          ReleaseJobs.newBuilder()
              .addJobIds(job.getJobId())
              .setReason("node " + nodeId + " failed: " + e)
              .setFailed(true)
              .build();
    }
    JobResult finalResult = result;
    ReleaseJobs finalRelease = release;
    via.channel.eventLoop().execute(() -> via.finished(job, finalResult, finalRelease));
  }

  /** Fetches one chunk of a write job's upload from the queue server. */
  @FunctionalInterface
  public interface ChunkFetcher {
    CompletableFuture<ChunkData> fetch(String uploadId, int index);
  }
}
