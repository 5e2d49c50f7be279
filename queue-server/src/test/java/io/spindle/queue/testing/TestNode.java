package io.spindle.queue.testing;

import com.google.protobuf.ByteString;
import io.spindle.protocol.queue.ChunkData;
import io.spindle.protocol.queue.CountRangeJob;
import io.spindle.protocol.queue.CountRangeResult;
import io.spindle.protocol.queue.FetchChunk;
import io.spindle.protocol.queue.Hop;
import io.spindle.protocol.queue.Job;
import io.spindle.protocol.queue.JobBatch;
import io.spindle.protocol.queue.JobResult;
import io.spindle.protocol.queue.Member;
import io.spindle.protocol.queue.MemberProgress;
import io.spindle.protocol.queue.NodeHello;
import io.spindle.protocol.queue.NodeProof;
import io.spindle.protocol.queue.NodeRole;
import io.spindle.protocol.queue.NodeStatus;
import io.spindle.protocol.queue.PingResult;
import io.spindle.protocol.queue.QueueError;
import io.spindle.protocol.queue.QueueFrame;
import io.spindle.protocol.queue.QueueProtocol;
import io.spindle.protocol.queue.RangeTotals;
import io.spindle.protocol.queue.ReleaseJobs;
import io.spindle.protocol.queue.Renew;
import io.spindle.protocol.queue.Renewed;
import io.spindle.protocol.queue.ServerChallenge;
import io.spindle.protocol.queue.Steal;
import io.spindle.protocol.queue.SubmitTasks;
import io.spindle.protocol.queue.Task;
import io.spindle.protocol.queue.TaskResult;
import io.spindle.protocol.queue.Welcome;
import io.spindle.protocol.queue.WriteJob;
import io.spindle.testkit.Await;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A stand-in for a Spindle node on the queue server's node protocol, over real TCP: it proves the
 * cluster secret, steals with long polls, renews its leases (with its status) every {@link
 * #RENEW_EVERY_MS}, fetches the chunks of big writes, and does its jobs against a {@link
 * FakeCluster}. Tests steer it: its role and term, whether it holds jobs instead of doing them,
 * whether it renews, and how it dies ({@link #kill()}: the socket is reset, nothing said).
 */
public final class TestNode implements AutoCloseable {
  public static final long RENEW_EVERY_MS = 30;

  /** The queue server refused this node; the reason is its Goodbye. */
  public static final class RefusedException extends IOException {
    public RefusedException(String reason) {
      super(reason);
    }
  }

  private final String nodeId;
  private final FakeCluster cluster;
  private final Socket socket;
  private final InputStream in;
  private final OutputStream out;
  private final Welcome welcome;
  private final ExecutorService workers = Executors.newCachedThreadPool();
  private final Map<String, CompletableFuture<ChunkData>> fetches = new ConcurrentHashMap<>();
  private final AtomicLong stealIds = new AtomicLong();
  private final AtomicReference<CompletableFuture<JobBatch>> pendingSteal = new AtomicReference<>();

  private volatile NodeRole role;
  private volatile long term;
  private volatile boolean holding;
  private volatile boolean renewing = true;
  private volatile boolean stealing = true;
  private final Object renewLock = new Object();
  private final AtomicLong renewsSent = new AtomicLong();
  private final AtomicLong renewedCount = new AtomicLong();
  private volatile boolean closed;
  private volatile int maxJobs = 16;

  /** Every job this node was handed, in order. */
  public final List<Job> received = new CopyOnWriteArrayList<>();

  /** The jobs it holds without doing them (while {@link #hold} is on). */
  public final Set<Long> held = ConcurrentHashMap.newKeySet();

  /** The jobs it is doing now (a show that waits for a change, say); renewed as held ones are. */
  private final Set<Long> running = ConcurrentHashMap.newKeySet();

  /** Job ids the server said this node lost. */
  public final Set<Long> lost = ConcurrentHashMap.newKeySet();

  /** The largest file this node says it stores, in its status; 0 says nothing. */
  public volatile long maxFileBytes;

  /** Whether this node says its disk is below its free-space watermark, in its status. */
  public volatile boolean lowOnStorage;

  /** The queue servers this node says it knows of, in its status (host:port, as it got them). */
  public volatile List<String> queueServers = List.of();

  /** How many renewals the server has answered. */
  public long renewals() {
    return renewedCount.get();
  }

  /** The server's last answer to a renewal. */
  public volatile Renewed lastRenewed;

  /** The results it sent. */
  public final List<JobResult> sent = new CopyOnWriteArrayList<>();

  /** The results of the tasks it submitted, as the server routed them back. */
  public final List<TaskResult> taskResults = new CopyOnWriteArrayList<>();

  /** Chunks it fetched, as (upload id, index). */
  public final List<String> fetched = new CopyOnWriteArrayList<>();

  private TestNode(
      String nodeId,
      FakeCluster cluster,
      Socket socket,
      InputStream in,
      OutputStream out,
      Welcome welcome,
      NodeRole role,
      long term) {
    this.nodeId = nodeId;
    this.cluster = cluster;
    this.socket = socket;
    this.in = in;
    this.out = out;
    this.welcome = welcome;
    this.role = role;
    this.term = term;
  }

  /** Connects, authenticates and starts stealing. */
  public static TestNode start(
      InetSocketAddress server,
      String nodeId,
      byte[] secret,
      FakeCluster cluster,
      NodeRole role,
      long term)
      throws IOException {
    return start(server, nodeId, secret, cluster, role, term, true);
  }

  /** Connects and authenticates; steals only if {@code steals} (else it only submits tasks). */
  public static TestNode start(
      InetSocketAddress server,
      String nodeId,
      byte[] secret,
      FakeCluster cluster,
      NodeRole role,
      long term,
      boolean steals)
      throws IOException {
    return start(server, nodeId, secret, cluster, role, term, steals, null);
  }

  /** As {@link #start}, over TLS trusting {@code tls}'s CA (plain text if null). */
  public static TestNode start(
      InetSocketAddress server,
      String nodeId,
      byte[] secret,
      FakeCluster cluster,
      NodeRole role,
      long term,
      boolean steals,
      io.spindle.protocol.tls.ClusterTls tls)
      throws IOException {
    Socket socket = new Socket();
    socket.connect(server, 5_000);
    if (tls != null) {
      socket.setSoTimeout(10_000);
      socket = tls.wrap(socket, server.getHostString(), server.getPort());
    }
    socket.setTcpNoDelay(true);
    socket.setSoTimeout(10_000);
    InputStream in = new BufferedInputStream(socket.getInputStream());
    OutputStream out = new BufferedOutputStream(socket.getOutputStream());
    Welcome welcome;
    try {
      welcome = handshake(in, out, nodeId, "", secret);
    } catch (IOException e) {
      socket.close();
      throw e;
    }
    socket.setSoTimeout(0);
    TestNode node = new TestNode(nodeId, cluster, socket, in, out, welcome, role, term);
    node.stealing = steals;
    node.startThreads();
    return node;
  }

  /** The node's side of the handshake; returns the server's Welcome. */
  public static Welcome handshake(
      InputStream in, OutputStream out, String nodeId, String clusterId, byte[] secret)
      throws IOException {
    byte[] nonce = new byte[QueueProtocol.NONCE_BYTES];
    new SecureRandom().nextBytes(nonce);
    FrameIO.write(
        out,
        QueueFrame.newBuilder()
            .setNodeHello(
                NodeHello.newBuilder()
                    .setProtocolVersion(QueueProtocol.VERSION)
                    .setNodeId(nodeId)
                    .setClusterId(clusterId)
                    .setNonce(ByteString.copyFrom(nonce)))
            .build());
    QueueFrame f = FrameIO.read(in, QueueProtocol.MAX_HANDSHAKE_FRAME_SIZE);
    if (f.hasNodeGoodbye()) {
      throw new RefusedException(f.getNodeGoodbye().getReason());
    }
    if (!f.hasServerChallenge()) {
      throw new IOException("expected a ServerChallenge, got " + f);
    }
    ServerChallenge c = f.getServerChallenge();
    byte[] serverNonce = c.getNonce().toByteArray();
    byte[] serverTranscript =
        QueueProtocol.transcript(
            QueueProtocol.SERVER,
            QueueProtocol.VERSION,
            clusterId,
            nodeId,
            c.getServerId(),
            nonce,
            serverNonce);
    if (!QueueProtocol.verify(secret, serverTranscript, c.getProof().toByteArray())) {
      throw new IOException("the queue server did not prove the cluster secret");
    }
    byte[] proof =
        QueueProtocol.prove(
            secret,
            QueueProtocol.transcript(
                QueueProtocol.NODE,
                QueueProtocol.VERSION,
                clusterId,
                nodeId,
                c.getServerId(),
                nonce,
                serverNonce));
    FrameIO.write(
        out,
        QueueFrame.newBuilder()
            .setNodeProof(NodeProof.newBuilder().setProof(ByteString.copyFrom(proof)))
            .build());
    QueueFrame w = FrameIO.read(in, QueueProtocol.MAX_HANDSHAKE_FRAME_SIZE);
    if (w.hasNodeGoodbye()) {
      throw new RefusedException(w.getNodeGoodbye().getReason());
    }
    if (!w.hasNodeWelcome()) {
      throw new IOException("expected a Welcome, got " + w);
    }
    return w.getNodeWelcome();
  }

  public String nodeId() {
    return nodeId;
  }

  public Welcome welcome() {
    return welcome;
  }

  /** From now on the node reports this role and term (with its next renewal or steal). */
  public void setRole(NodeRole role, long term) {
    this.role = role;
    this.term = term;
  }

  /** While on, jobs are kept (leased, renewed) instead of done. */
  public void hold(boolean on) {
    holding = on;
  }

  /**
   * Hangs, as in a long GC pause, but stays connected: stops renewing leases (and reporting status)
   * and stealing; returns once the server has answered every renewal sent before, so none of them
   * extends a lease later.
   */
  public void hang() {
    stealing = false;
    synchronized (renewLock) {
      renewing = false;
    }
    Await.until(
        () -> renewedCount.get() >= renewsSent.get() || closed,
        () -> "the server answered " + nodeId + "'s renewals");
  }

  public void setMaxJobs(int n) {
    maxJobs = n;
  }

  /** Does the held jobs now and sends their results. */
  public void completeHeld() {
    for (Job j : received) {
      if (held.remove(j.getJobId())) {
        workers.execute(() -> execute(j));
      }
    }
  }

  /** Gives the held jobs back to the queue server. */
  public void releaseHeld(String reason) throws IOException {
    List<Long> ids = new ArrayList<>(held);
    held.clear();
    send(
        QueueFrame.newBuilder()
            .setReleaseJobs(ReleaseJobs.newBuilder().addAllJobIds(ids).setReason(reason))
            .build());
  }

  /** Gives the held jobs back as failed here (an unexpected error on this node). */
  public void failHeld(String reason) throws IOException {
    List<Long> ids = new ArrayList<>(held);
    held.clear();
    send(
        QueueFrame.newBuilder()
            .setReleaseJobs(
                ReleaseJobs.newBuilder().addAllJobIds(ids).setReason(reason).setFailed(true))
            .build());
  }

  /** Submits count-range tasks, one per range, with task ids "t" + index. */
  public void submitRanges(String name, long... bounds) throws IOException {
    SubmitTasks.Builder b = SubmitTasks.newBuilder();
    for (int i = 0; i + 1 < bounds.length; i++) {
      b.addTasks(
          Task.newBuilder()
              .setTaskId("t" + i)
              .setCountRange(
                  CountRangeJob.newBuilder()
                      .setName(name)
                      .setFileSize(bounds[bounds.length - 1])
                      .setIndex(i)
                      .setStart(bounds[i])
                      .setEnd(bounds[i + 1])
                      .setLocale("c")));
    }
    send(QueueFrame.newBuilder().setSubmitTasks(b).build());
  }

  /** Sends any frame as it is. */
  public void sendRaw(QueueFrame frame) throws IOException {
    send(frame);
  }

  /** Whether the connection is gone. */
  public boolean isClosed() {
    return closed;
  }

  /** Dies: the socket is reset, nothing more is sent. */
  public void kill() {
    closed = true;
    try {
      socket.setSoLinger(true, 0);
      socket.close();
    } catch (IOException ignored) {
      // dead anyway
    }
    workers.shutdownNow();
  }

  @Override
  public void close() {
    kill();
  }

  // ---- internals ----

  private void startThreads() {
    Thread reader = new Thread(this::readLoop, "test-node-" + nodeId + "-reader");
    Thread stealer = new Thread(this::stealLoop, "test-node-" + nodeId + "-stealer");
    Thread renewer = new Thread(this::renewLoop, "test-node-" + nodeId + "-renewer");
    for (Thread t : List.of(reader, stealer, renewer)) {
      t.setDaemon(true);
      t.start();
    }
  }

  /** A leader's log runs 10 entries past the commit index; it knows each other member has half. */
  private NodeStatus status() {
    long commit = cluster.commitIndex();
    NodeStatus.Builder b =
        NodeStatus.newBuilder()
            .setNodeId(nodeId)
            .setRole(role)
            .setTerm(term)
            .setLeaderId(role == NodeRole.LEADER ? nodeId : "")
            .setCommitIndex(commit)
            .setAppliedIndex(commit)
            .setLastIndex(role == NodeRole.LEADER ? commit + 10 : commit)
            .setRaftAddress("127.0.0.1:7" + Math.abs(nodeId.hashCode() % 1000))
            .setHttpUrl(cluster.httpUrl(nodeId))
            .addAllMembers(role == NodeRole.LEADER ? cluster.members() : List.of())
            .setMaxFileBytes(maxFileBytes)
            .setLowOnStorage(lowOnStorage)
            .addAllQueueServers(queueServers)
            .setFreeStorageBytes(lowOnStorage ? 1234 : 0);
    if (role == NodeRole.LEADER) {
      for (Member m : cluster.members()) {
        if (!m.getNodeId().equals(nodeId)) {
          b.addProgress(
              MemberProgress.newBuilder()
                  .setNodeId(m.getNodeId())
                  .setMatchIndex((commit + 10) / 2));
        }
      }
    }
    return b.build();
  }

  private void stealLoop() {
    while (!closed && stealing) {
      CompletableFuture<JobBatch> batch = new CompletableFuture<>();
      long id = stealIds.incrementAndGet();
      pendingSteal.set(batch);
      try {
        send(
            QueueFrame.newBuilder()
                .setSteal(
                    Steal.newBuilder()
                        .setStealId(id)
                        .setStatus(status())
                        .setMaxJobs(maxJobs)
                        .setWaitMs(200))
                .build());
        JobBatch b = batch.get();
        for (Job j : b.getJobsList()) {
          received.add(j);
          if (holding) {
            held.add(j.getJobId());
          } else {
            workers.execute(() -> execute(j));
          }
        }
      } catch (Exception e) {
        return; // closed
      }
    }
  }

  private void renewLoop() {
    while (!closed) {
      try {
        Thread.sleep(RENEW_EVERY_MS); // a node's renewal period, not a wait for state
        synchronized (renewLock) {
          if (renewing) {
            renewsSent.incrementAndGet();
            send(
                QueueFrame.newBuilder()
                    .setRenew(
                        Renew.newBuilder()
                            .addAllJobIds(held)
                            .addAllJobIds(running)
                            .setStatus(status()))
                    .build());
          }
        }
      } catch (InterruptedException | IOException e) {
        return;
      }
    }
  }

  private void readLoop() {
    try {
      while (!closed) {
        QueueFrame f = FrameIO.read(in, welcome.getMaxFrameSize());
        switch (f.getNodeCase()) {
          case JOB_BATCH -> {
            CompletableFuture<JobBatch> p = pendingSteal.getAndSet(null);
            if (p != null) {
              p.complete(f.getJobBatch());
            }
          }
          case CHUNK_DATA -> {
            ChunkData c = f.getChunkData();
            CompletableFuture<ChunkData> p = fetches.remove(c.getUploadId() + "/" + c.getIndex());
            if (p != null) {
              p.complete(c);
            }
          }
          case TASK_RESULT -> taskResults.add(f.getTaskResult());
          case RENEWED -> {
            lastRenewed = f.getRenewed();
            renewedCount.incrementAndGet();
            lost.addAll(f.getRenewed().getLostJobIdsList());
            held.removeAll(f.getRenewed().getLostJobIdsList());
          }
          case NODE_GOODBYE -> {
            closed = true;
            return;
          }
          default -> {}
        }
      }
    } catch (IOException e) {
      closed = true;
    } finally {
      CompletableFuture<JobBatch> p = pendingSteal.getAndSet(null);
      if (p != null) {
        p.completeExceptionally(new IOException("closed"));
      }
      fetches.values().forEach(f -> f.completeExceptionally(new IOException("closed")));
    }
  }

  private void execute(Job job) {
    running.add(job.getJobId());
    try {
      executeRunning(job);
    } finally {
      running.remove(job.getJobId());
    }
  }

  private void executeRunning(Job job) {
    JobResult outcome;
    try {
      outcome =
          switch (job.getKindCase()) {
            case WRITE -> write(job);
            case DELETE -> cluster.delete(job.getRequestId(), job.getDelete().getName());
            case READ -> cluster.read(job.getRead().getName(), nodeId);
            case LIST -> cluster.list(job.getList().getPrefix());
            case COUNT -> cluster.count(job.getCount().getName());
            case COUNT_RANGE -> countRange(job.getCountRange());
            case PING ->
                JobResult.newBuilder()
                    .setPing(
                        PingResult.newBuilder()
                            .addHops(
                                Hop.newBuilder()
                                    .setName(nodeId)
                                    .setReached(true)
                                    .setRttMicros(100)))
                    .build();
            case GROUP -> cluster.groups().run(job);
            default -> failure("unknown job " + job.getKindCase());
          };
    } catch (Exception e) {
      if (closed) {
        return;
      }
      outcome = failure(e.toString());
    }
    JobResult result =
        outcome.toBuilder().setJobId(job.getJobId()).setRequestId(job.getRequestId()).build();
    try {
      send(QueueFrame.newBuilder().setJobResult(result).build());
      sent.add(result);
    } catch (IOException ignored) {
      // the connection died; the lease will expire
    }
  }

  private JobResult write(Job job) throws Exception {
    WriteJob w = job.getWrite();
    byte[] data;
    if (w.getChunkCount() == 0) {
      data = w.getInlineData().toByteArray();
    } else {
      ByteArrayOutputStream all = new ByteArrayOutputStream();
      for (int i = 0; i < w.getChunkCount(); i++) {
        CompletableFuture<ChunkData> f = new CompletableFuture<>();
        fetches.put(w.getUploadId() + "/" + i, f);
        send(
            QueueFrame.newBuilder()
                .setFetchChunk(
                    FetchChunk.newBuilder()
                        .setUploadId(w.getUploadId())
                        .setIndex(i)
                        .setJobId(job.getJobId()))
                .build());
        ChunkData c = f.get(10, TimeUnit.SECONDS);
        if (c.hasError()) {
          return failure("fetching chunk " + i + ": " + c.getError().getMessage());
        }
        byte[] bytes = c.getData().toByteArray();
        if (!Arrays.equals(FakeCluster.sha256(bytes), w.getChunkSha256(i).toByteArray())) {
          return failure("chunk " + i + " does not hash to its SHA-256");
        }
        fetched.add(w.getUploadId() + "/" + i);
        all.writeBytes(bytes);
      }
      data = all.toByteArray();
    }
    if (!Arrays.equals(FakeCluster.sha256(data), w.getSha256().toByteArray())) {
      return failure("the content does not hash to the file's SHA-256");
    }
    return cluster.write(job.getRequestId(), w.getName(), data);
  }

  /** A stand-in count: only the range's length, as its bytes. */
  private static JobResult countRange(CountRangeJob r) {
    return JobResult.newBuilder()
        .setCountRange(
            CountRangeResult.newBuilder()
                .setIndex(r.getIndex())
                .setStart(r.getStart())
                .setEnd(r.getEnd())
                .setCounts(RangeTotals.newBuilder().setBytes(r.getEnd() - r.getStart())))
        .build();
  }

  private static JobResult failure(String message) {
    return JobResult.newBuilder()
        .setError(
            QueueError.newBuilder()
                .setCode(io.spindle.protocol.queue.ErrorCode.INTERNAL)
                .setMessage(message))
        .build();
  }

  private void send(QueueFrame frame) throws IOException {
    synchronized (out) {
      FrameIO.write(out, frame);
    }
  }
}
