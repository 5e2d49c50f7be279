package io.spindle.node.infrastructure.queue;

import com.google.protobuf.ByteString;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.timeout.IdleStateEvent;
import io.spindle.node.application.QueueDepths;
import io.spindle.protocol.queue.CancelTasks;
import io.spindle.protocol.queue.ChunkData;
import io.spindle.protocol.queue.FetchChunk;
import io.spindle.protocol.queue.Job;
import io.spindle.protocol.queue.JobBatch;
import io.spindle.protocol.queue.JobResult;
import io.spindle.protocol.queue.KeepAlive;
import io.spindle.protocol.queue.NodeHello;
import io.spindle.protocol.queue.NodeProof;
import io.spindle.protocol.queue.QueueFrame;
import io.spindle.protocol.queue.QueueProtocol;
import io.spindle.protocol.queue.ReleaseJobs;
import io.spindle.protocol.queue.Renew;
import io.spindle.protocol.queue.Renewed;
import io.spindle.protocol.queue.ServerChallenge;
import io.spindle.protocol.queue.Steal;
import io.spindle.protocol.queue.SubmitTasks;
import io.spindle.protocol.queue.Task;
import io.spindle.protocol.queue.TaskResult;
import io.spindle.protocol.queue.Welcome;
import io.spindle.wire.ProtobufFrameCodec;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One connection of a {@link QueueLink} to its queue server, its Netty handler: the handshake that
 * proves the cluster secret, the long-poll steals, lease renewals (with this node's status) of the
 * jobs received over it, chunk fetches, tasks submitted over it and their results, and the results
 * of its jobs. When it closes it fails the fetches and tasks still waiting and has its link dial
 * again.
 *
 * <p>Job ids are the queue server's: the jobs running are kept per connection, as two queue servers
 * may hand out the same id.
 *
 * <p><b>Threading:</b> its state lives on the worker's Netty event loop thread; {@link #fetch},
 * {@link #submit} and {@link #waiting} may be called from a job thread (they hand the request to
 * the event loop), and {@link #queues} is read by status pages from any thread.
 */
final class QueueServerConnection extends SimpleChannelInboundHandler<QueueFrame> {
  // The worker's logger, as when this was its inner class: logging config stays valid.
  private static final Logger LOG = Logger.getLogger(QueueWorker.class.getName());

  private final QueueWorker worker;
  final QueueLink link;
  final InetSocketAddress server;
  Channel channel;
  byte[] nodeNonce;
  String serverId;
  Welcome welcome;
  boolean stealOutstanding;
  int stealAsked;
  long nextStealId;
  ScheduledFuture<?> renewals;
  // Written on the event loop, read by status pages.
  volatile QueueDepths queues;
  final Map<String, CompletableFuture<ChunkData>> fetches = new HashMap<>();
  final Map<String, CompletableFuture<TaskResult>> tasks = new HashMap<>();
  // The jobs received over this connection and not finished; read by job threads.
  final Map<Long, Job> running = new ConcurrentHashMap<>();
  final Set<Long> lost = ConcurrentHashMap.newKeySet();
  // The running jobs that wait for an event without a thread: cancelled when lost or closed.
  private final Map<Long, CompletableFuture<?>> waiting = new ConcurrentHashMap<>();

  QueueServerConnection(QueueLink link) {
    this.worker = link.worker;
    this.link = link;
    this.server = link.server;
  }

  void send(QueueFrame frame) {
    channel.writeAndFlush(frame, channel.voidPromise());
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    channel = ctx.channel();
    nodeNonce = new byte[QueueProtocol.NONCE_BYTES];
    worker.random.nextBytes(nodeNonce);
    send(
        QueueFrame.newBuilder()
            .setNodeHello(
                NodeHello.newBuilder()
                    .setProtocolVersion(QueueProtocol.VERSION)
                    .setNodeId(worker.nodeId)
                    .setClusterId(worker.settings.clusterId())
                    .setNonce(ByteString.copyFrom(nodeNonce)))
            .build());
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, QueueFrame frame) {
    switch (frame.getNodeCase()) {
      case SERVER_CHALLENGE -> challenged(frame.getServerChallenge());
      case NODE_WELCOME -> welcomed(frame.getNodeWelcome());
      case JOB_BATCH -> received(frame.getJobBatch());
      case RENEWED -> renewed(frame.getRenewed());
      case CHUNK_DATA -> chunk(frame.getChunkData());
      case TASK_RESULT -> {
        CompletableFuture<TaskResult> f = tasks.remove(frame.getTaskResult().getTaskId());
        if (f != null) {
          f.complete(frame.getTaskResult());
        }
      }
      case NODE_GOODBYE -> {
        LOG.warning(
            () ->
                "The queue server at "
                    + server
                    + " closed the connection of node "
                    + worker.nodeId
                    + ": "
                    + frame.getNodeGoodbye().getReason());
        ctx.close();
      }
      case NODE_KEEP_ALIVE -> {}
      default -> {
        LOG.warning(
            () -> "The queue server at " + server + " sent an unexpected " + frame.getNodeCase());
        ctx.close();
      }
    }
  }

  private void challenged(ServerChallenge challenge) {
    serverId = challenge.getServerId();
    byte[] serverNonce = challenge.getNonce().toByteArray();
    byte[] expected =
        QueueProtocol.transcript(
            QueueProtocol.SERVER,
            QueueProtocol.VERSION,
            worker.settings.clusterId(),
            worker.nodeId,
            serverId,
            nodeNonce,
            serverNonce);
    if (challenge.getProtocolVersion() != QueueProtocol.VERSION
        || !QueueProtocol.verify(
            worker.settings.secret(), expected, challenge.getProof().toByteArray())) {
      LOG.warning(
          () ->
              "The queue server at "
                  + server
                  + " did not prove the cluster secret (or speaks protocol version "
                  + challenge.getProtocolVersion()
                  + "); not taking work from it");
      channel.close();
      return;
    }
    byte[] proof =
        QueueProtocol.prove(
            worker.settings.secret(),
            QueueProtocol.transcript(
                QueueProtocol.NODE,
                QueueProtocol.VERSION,
                worker.settings.clusterId(),
                worker.nodeId,
                serverId,
                nodeNonce,
                serverNonce));
    send(
        QueueFrame.newBuilder()
            .setNodeProof(NodeProof.newBuilder().setProof(ByteString.copyFrom(proof)))
            .build());
  }

  private void welcomed(Welcome w) {
    welcome = w;
    link.connection = this;
    if (link.failures > 0) {
      LOG.info(() -> "Node " + worker.nodeId + " takes work from the queue server at " + server);
    } else {
      LOG.fine(() -> "Node " + worker.nodeId + " takes work from the queue server at " + server);
    }
    link.failures = 0;
    worker.welcomed(this);
    if (link.retired) {
      return;
    }
    ProtobufFrameCodec.frameDecoder(channel.pipeline())
        .setMaxFrameSize(Math.max(QueueProtocol.MAX_HANDSHAKE_FRAME_SIZE, w.getMaxFrameSize()));
    // Renewals also carry this node's role and term: a new leader must be known promptly.
    long renewEvery = Math.max(100, Math.min(1_000, w.getLeaseMs() / 3));
    renewals =
        channel
            .eventLoop()
            .scheduleAtFixedRate(this::renew, renewEvery, renewEvery, TimeUnit.MILLISECONDS);
    steal();
  }

  /** Asks for as many jobs as there are free slots, unless a steal is already waiting. */
  void steal() {
    if (worker.closed || welcome == null || stealOutstanding || !channel.isActive()) {
      return;
    }
    int ask = worker.reserveSlots();
    if (ask <= 0) {
      return;
    }
    stealOutstanding = true;
    stealAsked = ask;
    send(
        QueueFrame.newBuilder()
            .setSteal(
                Steal.newBuilder()
                    .setStealId(++nextStealId)
                    .setStatus(worker.reportedStatus())
                    .setMaxJobs(ask)
                    .setWaitMs((int) worker.settings.stealWait().toMillis()))
            .build());
  }

  void renew() {
    send(
        QueueFrame.newBuilder()
            .setRenew(
                Renew.newBuilder()
                    .addAllJobIds(running.keySet())
                    .setStatus(worker.reportedStatus()))
            .build());
  }

  private void received(JobBatch batch) {
    stealOutstanding = false;
    worker.unreserveSlots(stealAsked);
    stealAsked = 0;
    for (Job job : batch.getJobsList()) {
      running.put(job.getJobId(), job);
      worker.busy.incrementAndGet();
      worker.jobs.execute(() -> worker.run(this, job));
    }
    worker.stealEverywhere();
  }

  private void renewed(Renewed r) {
    queues =
        new QueueDepths(
            server.getHostString() + ":" + server.getPort(),
            r.getQueuesList(),
            r.getDeadLettersList());
    for (long id : r.getLostJobIdsList()) {
      if (running.containsKey(id)) {
        lost.add(id); // its result will be dropped; the work itself cannot be called back
        CompletableFuture<?> w = waiting.get(id);
        if (w != null) {
          w.cancel(false); // but a wait can be: another node answers the job now
        }
      }
    }
  }

  CompletableFuture<ChunkData> fetch(String uploadId, int index, long jobId) {
    CompletableFuture<ChunkData> future = new CompletableFuture<>();
    channel
        .eventLoop()
        .execute(
            () -> {
              if (!channel.isActive()) {
                future.completeExceptionally(
                    new IOException("the connection to the queue server at " + server + " closed"));
                return;
              }
              fetches.put(uploadId + "/" + index, future);
              send(
                  QueueFrame.newBuilder()
                      .setFetchChunk(
                          FetchChunk.newBuilder()
                              .setUploadId(uploadId)
                              .setIndex(index)
                              .setJobId(jobId))
                      .build());
            });
    return future.orTimeout(worker.settings.fetchTimeout().toMillis(), TimeUnit.MILLISECONDS);
  }

  private void chunk(ChunkData data) {
    CompletableFuture<ChunkData> future =
        fetches.remove(data.getUploadId() + "/" + data.getIndex());
    if (future != null) {
      future.complete(data);
    }
  }

  /**
   * A job received over this connection waits for an event ({@link JobRunner#start}) with {@code
   * result}: cancelled if its lease is lost or this connection closes first. Any thread.
   */
  void waiting(Job job, CompletableFuture<?> result) {
    waiting.put(job.getJobId(), result);
    if (result.isDone()) {
      waiting.remove(job.getJobId());
    }
  }

  /**
   * Sends a finished job's result (on the event loop), then asks for more work everywhere.
   *
   * @param slotFreed the job gave its slot back while it waited for an event, so its end does not
   */
  void finished(Job job, JobResult result, ReleaseJobs release, boolean slotFreed) {
    waiting.remove(job.getJobId());
    if (running.remove(job.getJobId()) != null && !slotFreed) {
      worker.busy.decrementAndGet();
    }
    boolean wasLost = lost.remove(job.getJobId());
    if (channel.isActive() && welcome != null && !wasLost) {
      send(
          release != null
              ? QueueFrame.newBuilder().setReleaseJobs(release).build()
              : QueueFrame.newBuilder().setJobResult(result).build());
    }
    worker.stealEverywhere();
  }

  /** Gives every job still running back to the queue server (the node stops). Event loop. */
  void releaseAll(String reason) {
    if (welcome != null && channel.isActive() && !running.isEmpty()) {
      send(
          QueueFrame.newBuilder()
              .setReleaseJobs(
                  ReleaseJobs.newBuilder().addAllJobIds(running.keySet()).setReason(reason))
              .build());
    }
  }

  /**
   * Queues a task on this queue server's shared queue; the future completes with its result, or
   * fails with an {@link IOException} if this connection is closed or closes first. Any thread.
   */
  CompletableFuture<TaskResult> submit(Task.Builder task) {
    CompletableFuture<TaskResult> future = new CompletableFuture<>();
    String taskId = worker.nextTaskId();
    Task t = task.setTaskId(taskId).build();
    try {
      channel
          .eventLoop()
          .execute(
              () -> {
                if (worker.closed || welcome == null || !channel.isActive()) {
                  future.completeExceptionally(
                      new IOException(
                          "node "
                              + worker.nodeId
                              + " is not connected to the queue server at "
                              + link.address));
                  return;
                }
                tasks.put(taskId, future);
                send(
                    QueueFrame.newBuilder()
                        .setSubmitTasks(SubmitTasks.newBuilder().addTasks(t))
                        .build());
              });
    } catch (RuntimeException e) { // the event loop is shut down
      future.completeExceptionally(new IOException("node " + worker.nodeId + " is stopping", e));
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
      channel
          .eventLoop()
          .execute(
              () -> {
                if (tasks.remove(taskId) != null && channel.isActive()) {
                  send(
                      QueueFrame.newBuilder()
                          .setCancelTasks(CancelTasks.newBuilder().addTaskIds(taskId))
                          .build());
                }
              });
    } catch (RuntimeException stopping) {
      // the connection goes with the worker, and the queue server drops its tasks
    }
  }

  /** The link {@code job} came by, as its runner sees it. */
  JobLink linkFor(Job job) {
    QueueServerConnection via = this;
    return new JobLink() {
      @Override
      public String server() {
        return link.address;
      }

      @Override
      public CompletableFuture<ChunkData> fetch(String uploadId, int index) {
        return via.fetch(uploadId, index, job.getJobId());
      }

      @Override
      public CompletableFuture<TaskResult> submit(Task.Builder task) {
        return via.submit(task);
      }

      @Override
      public boolean connected() {
        return welcome != null && channel.isActive();
      }
    };
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
    if (event instanceof IdleStateEvent idle) {
      switch (idle.state()) {
        case WRITER_IDLE ->
            send(QueueFrame.newBuilder().setNodeKeepAlive(KeepAlive.getDefaultInstance()).build());
        case READER_IDLE -> {
          LOG.warning(
              () ->
                  "The queue server at "
                      + server
                      + " went silent; node "
                      + worker.nodeId
                      + " redials");
          ctx.close();
        }
        default -> {}
      }
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    LOG.log(
        Level.WARNING,
        "The connection of node "
            + worker.nodeId
            + " to the queue server at "
            + server
            + " failed: "
            + cause,
        LOG.isLoggable(Level.FINE) ? cause : null);
    ctx.close();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    IOException closedError =
        new IOException("the connection to the queue server at " + server + " closed");
    if (renewals != null) {
      renewals.cancel(false);
    }
    new ArrayList<>(fetches.values()).forEach(f -> f.completeExceptionally(closedError));
    fetches.clear();
    new ArrayList<>(tasks.values()).forEach(f -> f.completeExceptionally(closedError));
    tasks.clear();
    // Nobody can be answered over this connection: its queue server hands those jobs out again.
    new ArrayList<>(waiting.values()).forEach(f -> f.cancel(false));
    if (stealOutstanding) {
      stealOutstanding = false;
      worker.unreserveSlots(stealAsked);
      stealAsked = 0;
    }
    if (link.connection == this) {
      link.connection = null;
    }
    link.retryLater(null);
    worker.stealEverywhere();
  }
}
