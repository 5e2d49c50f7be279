package io.spindle.raft.server;

import io.spindle.raft.ConfigChange;
import io.spindle.raft.Configuration;
import io.spindle.raft.Entry;
import io.spindle.raft.FollowerProgress;
import io.spindle.raft.HardState;
import io.spindle.raft.Member;
import io.spindle.raft.NodeId;
import io.spindle.raft.RaftNode;
import io.spindle.raft.RandomSource;
import io.spindle.raft.Ready;
import io.spindle.raft.SnapshotMeta;
import io.spindle.raft.StorageException;
import io.spindle.raft.StorageId;
import io.spindle.raft.message.Message;
import io.spindle.raft.server.RaftStorage.SnapshotDraft;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Runs one {@link RaftNode}: a single thread owns the node and its storage, and does the work of
 * each {@link Ready} in the order its contract gives (persist → send → hand snapshots and committed
 * entries to the apply thread → answer reads → advance). The state machine belongs to a second
 * thread, the {@link Applier}, so that a slow apply, query or snapshot never delays heartbeats,
 * votes or replication; what it applied comes back to this thread, which completes the proposals.
 *
 * <p><b>Threading:</b> the public methods are thread-safe and never block on the node (except
 * {@link #close()} and {@link #halt()}, which wait for the thread to stop). They put work on a
 * multi-producer queue; the driver's loop drains everything that arrived in one go, ticks the node
 * when a tick period has passed, then works off the node's Readys. Because everything that arrived
 * together is appended in one Ready, one fsync covers a whole batch of proposals (group commit).
 * Futures are completed on the driver's thread (reads on the apply thread): dependent stages must
 * not block (use the {@code *Async} variants for anything slow).
 *
 * <p>Interrupting the driver's thread stops the node as {@link #halt()} does.
 *
 * <p><b>Failures:</b> an exception from storage, the core or the state machine stops the node: it
 * is logged SEVERE, every pending future fails with {@link NodeStoppedException}, and {@link
 * #terminated()} completes exceptionally. A node whose log cannot be trusted must not go on.
 */
public final class RaftDriver implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(RaftDriver.class.getName());
  private static final long SWEEP_PERIOD_NANOS = TimeUnit.MILLISECONDS.toNanos(50);
  private static final long STOP_WAIT_MILLIS = 30_000;

  // Shared with callers; each field is thread-safe on its own.
  private final RaftNodeSettings settings;
  private final NodeId id;
  private final Thread thread;
  private final ConcurrentLinkedQueue<Object> inbox = new ConcurrentLinkedQueue<>();
  private final AtomicBoolean parked = new AtomicBoolean();
  private final AtomicInteger outstanding = new AtomicInteger();
  private final AtomicBoolean closing = new AtomicBoolean();
  private final CompletableFuture<Void> terminated = new CompletableFuture<>();
  private volatile boolean running = true;
  private volatile String stopReason = "stopped";

  // Owned by the driver's thread; each collaborator's javadoc names what other threads may call
  // (making requests, reading the status).
  private final RaftNode node;
  private final long tickNanos;
  private final long requestTimeoutNanos;
  private final Applier applier;
  private final PendingProposals proposals;
  private final PendingReads reads;
  private final LeadershipTransfers transfers;
  private final PeerDirectory peers;
  private final StatusPublisher statusPublisher;
  private final ApplyProgress applyProgress;
  private final SnapshotHandling snapshots;
  private final ReadyHandler readyHandler;

  private final LoopStats stats;

  private RaftDriver(
      RaftNodeSettings settings,
      RaftStorage storage,
      StateMachine stateMachine,
      PeerMessenger messenger,
      ThreadFactory threadFactory) {
    this.settings = Objects.requireNonNull(settings, "settings");
    this.id = settings.id();
    Objects.requireNonNull(storage, "storage");
    MeasuredLogStore log = new MeasuredLogStore(storage.log());
    this.stats = new LoopStats(id, log);
    Objects.requireNonNull(stateMachine, "stateMachine");
    Objects.requireNonNull(messenger, "messenger");
    this.tickNanos = settings.tickPeriod().toNanos();
    this.requestTimeoutNanos = settings.requestTimeout().toNanos();
    long appliedIndex = SnapshotHandling.restoreStateMachine(id, stateMachine, storage, log);
    HardState hardState = storage.loadHardState();
    Configuration bootstrap = bootstrapConfiguration(settings, storage.storageId());
    SplittableRandom random = new SplittableRandom();
    RandomSource randomSource = random::nextInt;
    this.node =
        new RaftNode(
            id,
            storage.storageId(),
            settings.raft().withClock(tickNanos, settings.raft().maxClockDriftPpm()),
            log,
            storage.snapshots(),
            randomSource,
            System::nanoTime,
            hardState,
            bootstrap,
            appliedIndex);
    this.peers = new PeerDirectory(id, node, messenger, settings, tickNanos);
    this.statusPublisher = new StatusPublisher(id, node, peers, appliedIndex);
    this.proposals = new PendingProposals(id, node, settings);
    this.transfers = new LeadershipTransfers(id, node, settings, tickNanos);
    this.applier =
        new Applier(id, stateMachine, storage, settings, new ApplierEvents(), threadFactory);
    this.reads = new PendingReads(id, node, applier, stateMachine, settings);
    this.applyProgress =
        new ApplyProgress(
            id, node, applier, proposals, reads, statusPublisher, stats, appliedIndex);
    this.snapshots = new SnapshotHandling(id, node, storage, applier, proposals, settings);
    this.readyHandler =
        new ReadyHandler(
            node, settings, storage, log, messenger, snapshots, applyProgress, reads, stats);
    this.thread = threadFactory.newThread(this::run);
    if (thread == null) {
      throw new IllegalStateException(
          "the thread factory refused to create the Raft driver thread");
    }
    LOG.info(
        () ->
            "Raft node "
                + id
                + " starting from storage "
                + storage.storageId()
                + ": term "
                + hardState.term()
                + ", log ("
                + log.snapshotIndex()
                + ", "
                + log.lastIndex()
                + "], applied "
                + appliedIndex);
  }

  /**
   * The configuration to start with when the log holds none: the initial members, this node's own
   * entry with its storage (the others' storage is recorded by the leader once they answer).
   */
  private static Configuration bootstrapConfiguration(RaftNodeSettings settings, StorageId own) {
    if (settings.initialMembers().isEmpty()) {
      return Configuration.empty();
    }
    List<Member> members = new ArrayList<>();
    for (Member m : settings.initialMembers()) {
      members.add(m.id().equals(settings.id()) ? m.withStorage(own) : m);
    }
    return new Configuration(members, List.of());
  }

  /**
   * Restores the node from {@code storage} and starts its driver thread.
   *
   * @param threadFactory makes the one thread that runs the node (a {@code ManagedThreadFactory} in
   *     Payara)
   */
  public static RaftDriver start(
      RaftNodeSettings settings,
      RaftStorage storage,
      StateMachine stateMachine,
      PeerMessenger messenger,
      ThreadFactory threadFactory) {
    RaftDriver driver = new RaftDriver(settings, storage, stateMachine, messenger, threadFactory);
    driver.applier.start();
    driver.thread.start();
    return driver;
  }

  // ---------------------------------------------------------------- public, thread-safe API

  public NodeId id() {
    return id;
  }

  public RaftNodeSettings settings() {
    return settings;
  }

  /**
   * The node's state as of the end of the driver's latest loop iteration, and never older than what
   * a completed future tells: once a proposal or read completes, {@code appliedIndex()} here is at
   * least its index.
   */
  public RaftStatus status() {
    return statusPublisher.status();
  }

  /** Completes when the driver's thread has stopped; exceptionally if a failure stopped it. */
  public CompletableFuture<Void> terminated() {
    return terminated.copy();
  }

  /** Hands a message from a peer to the node. Never blocks: call it from a network thread. */
  public void deliver(Message message) {
    if (running) {
      enqueue(message);
    }
  }

  /**
   * Proposes a command; completes with the state machine's result once it is committed and applied
   * here. Fails with {@link NotLeaderException} (with a hint) on a follower, {@link BusyException}
   * under back-pressure, {@link LeadershipLostException} when it was dropped.
   */
  public CompletableFuture<byte[]> propose(byte[] command) {
    return submit(command).thenApply(Applied::result);
  }

  /** Like {@link #propose}, but completes with the entry's index and term too. */
  public CompletableFuture<Applied> submit(byte[] command) {
    Objects.requireNonNull(command, "command");
    DriverRequest<Applied> proposal = proposals.newProposal(command, null);
    admit(proposal);
    return proposal.future;
  }

  /**
   * A linearizable read (thesis §6.4): the node obtains a read index (from the leader, if it is a
   * follower), waits until its state machine has applied it, then answers {@link
   * StateMachine#query}. Reads are always safe to retry.
   */
  public CompletableFuture<byte[]> read(byte[] query) {
    Objects.requireNonNull(query, "query");
    DriverRequest<byte[]> read = reads.newRead(query);
    admit(read);
    return read.future;
  }

  /**
   * The read index alone (thesis §6.4 without its last step): completes, with the index a
   * linearizable read must observe, as soon as the leader confirmed that it still leads (this
   * node's own read index on a leader, the leader's on a follower), without waiting for the state
   * machine to apply it. For a caller that knows which applied state it needs, such as a leader
   * checking its own copy of state it keeps in step with every entry it applies. Safe to retry.
   */
  public CompletableFuture<Long> readIndex() {
    DriverRequest<Long> read = reads.newIndexRead();
    admit(read);
    return read.future;
  }

  /** Proposes a membership change; completes with its index once it is committed. */
  public CompletableFuture<Long> changeMembership(ConfigChange change) {
    Objects.requireNonNull(change, "change");
    DriverRequest<Applied> proposal = proposals.newProposal(null, change);
    admit(proposal);
    return proposal.future.thenApply(Applied::index);
  }

  /**
   * What this node, if it leads, knows of each follower's and learner's replication (match index,
   * whether it was heard from recently); empty on a follower. Read on the driver's thread, so the
   * picture is consistent; completes within one loop iteration.
   */
  public CompletableFuture<Map<NodeId, FollowerProgress>> progress() {
    ProgressQuery query = new ProgressQuery();
    admit(query);
    return query.future;
  }

  /**
   * Asks the leader (this node) to hand leadership to {@code target}; completes once this node sees
   * {@code target} lead.
   */
  public CompletableFuture<Void> transferLeadership(NodeId target) {
    Objects.requireNonNull(target, "target");
    DriverRequest<Void> request = transfers.newTransfer(target);
    admit(request);
    return request.future;
  }

  /**
   * If this node leads, hands leadership to the most up-to-date recently active voter (as {@link
   * #close()} does first); completes once another node leads, or at once if this node does not lead
   * or has no such voter.
   */
  public CompletableFuture<Void> handOverLeadership() {
    DriverRequest<Void> handOver = transfers.newHandOver();
    admit(handOver);
    return handOver.future;
  }

  /**
   * Stops the node gracefully: a leader first hands its leadership to the most up-to-date follower
   * (waiting at most {@link RaftNodeSettings#closeTransferTimeout()}), so the cluster does not wait
   * out an election timeout. Pending requests then fail with {@link NodeStoppedException}. Does not
   * close the storage or the transport, which the caller owns.
   */
  @Override
  public void close() {
    if (!closing.compareAndSet(false, true)) {
      awaitStop();
      return;
    }
    if (running
        && Thread.currentThread() != thread
        && statusPublisher.status().isLeader()
        && !settings.closeTransferTimeout().isZero()) {
      DriverRequest<Void> handOver = transfers.newHandOver();
      admit(handOver);
      try {
        handOver.future.get(settings.closeTransferTimeout().toNanos(), TimeUnit.NANOSECONDS);
      } catch (TimeoutException | ExecutionException e) {
        LOG.info(() -> "Raft node " + id + " closes without handing over leadership: " + e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    stop("was closed");
  }

  /** Stops the node at once, as a crash would (but between two Readys): no leadership transfer. */
  public void halt() {
    closing.set(true);
    stop("was halted");
  }

  public boolean isRunning() {
    return running;
  }

  // ---------------------------------------------------------------- queueing

  private void admit(DriverRequest<?> request) {
    if (!running) {
      request.abort(stopped());
      return;
    }
    if (outstanding.incrementAndGet() > settings.maxPendingRequests()) {
      outstanding.decrementAndGet();
      request.rejectUncounted(
          new BusyException(
              settings.maxPendingRequests() + " requests are already outstanding on node " + id));
      return;
    }
    request.countIn(outstanding);
    enqueue(request);
  }

  private void enqueue(Object item) {
    inbox.offer(item);
    if (!running) {
      // The loop may have drained the inbox for the last time already: nobody else will.
      abortQueued();
      return;
    }
    if (parked.get()) {
      LockSupport.unpark(thread);
    }
  }

  private void abortQueued() {
    RaftException stopped = stopped();
    Object item;
    while ((item = inbox.poll()) != null) {
      if (item instanceof DriverTask task) {
        task.abort(stopped);
      }
    }
  }

  private RaftException stopped() {
    Throwable cause = terminated.isCompletedExceptionally() ? failureOf(terminated) : null;
    return new NodeStoppedException(id, stopReason, cause);
  }

  private static Throwable failureOf(CompletableFuture<?> future) {
    try {
      future.getNow(null);
      return null;
    } catch (RuntimeException e) {
      return e.getCause() != null ? e.getCause() : e;
    }
  }

  private void stop(String why) {
    if (running) {
      stopReason = why;
      running = false;
    }
    LockSupport.unpark(thread);
    if (Thread.currentThread() != thread) {
      awaitStop();
    }
  }

  private void awaitStop() {
    if (Thread.currentThread() == thread) {
      return;
    }
    try {
      terminated.handle((v, e) -> null).get(STOP_WAIT_MILLIS, TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      LOG.warning(
          "Raft node "
              + id
              + " did not stop within "
              + STOP_WAIT_MILLIS
              + " ms; its thread is stuck in "
              + List.of(thread.getStackTrace()));
    } catch (ExecutionException e) {
      // handle() never completes exceptionally
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  // ---------------------------------------------------------------- the loop

  private void run() {
    Throwable failure = null;
    try {
      peers.start();
      long nextTick = System.nanoTime() + tickNanos;
      long nextSweep = System.nanoTime() + SWEEP_PERIOD_NANOS;
      while (running) {
        drainInbox();
        long now = System.nanoTime();
        if (now - nextTick >= 0) {
          reportStall(now - nextTick);
          // At most one tick per period, counted from this one: when the loop stalled (GC, a slow
          // fsync) the missed ticks are dropped, never fired in a burst, which would start
          // elections that messages already queued would prevent, and would cut short the
          // election timeout a voter promised a leader whose lease counts on it (RaftSettings).
          node.tick();
          nextTick = now + tickNanos;
        }
        reads.requestReadIndex();
        while (node.hasReady()) {
          long readyStarted = System.nanoTime();
          Ready ready = node.ready();
          stats.coreNanos += System.nanoTime() - readyStarted;
          readyHandler.handle(ready);
        }
        if (now - nextSweep >= 0) {
          expireRequests(now);
          nextSweep = now + SWEEP_PERIOD_NANOS;
        }
        afterIteration();
        park(nextTick);
        stats.maybeReport(now);
        if (Thread.interrupted()) {
          // An interrupt (a container shutting its threads down) is a request to stop: parking
          // would no longer wait, and interruptible file channels would close under the log.
          stopReason = "stopped: its thread was interrupted";
          running = false;
        }
      }
    } catch (Throwable t) {
      failure = t;
      LOG.log(
          Level.SEVERE,
          "Raft node "
              + id
              + " STOPPED: "
              + describe(t)
              + ". It can no longer be trusted to persist or apply the log; fix the cause"
              + " (disk, data directory) and restart the node.",
          t);
      stopReason = "stopped after a failure (" + describe(t) + ")";
      running = false;
    } finally {
      shutDown(failure);
    }
  }

  /**
   * Says in the log when the loop ran {@code lateNanos} after its tick was due, if that is as long
   * as an election timeout: the process was paused (SIGSTOP, a long GC), starved of CPU, or a disk
   * write blocked it, and its peers may have moved on meanwhile. A node cannot see a pause while it
   * lasts; this is how its log tells of one afterwards.
   */
  private void reportStall(long lateNanos) {
    long electionNanos = settings.raft().electionTicks() * tickNanos;
    if (lateNanos >= electionNanos) {
      LOG.warning(
          "Raft node "
              + id
              + " did not run for "
              + TimeUnit.NANOSECONDS.toMillis(lateNanos + tickNanos)
              + " ms (its process was paused, starved of CPU, or blocked on its disk), longer than"
              + " an election timeout: its peers may have elected another leader meanwhile");
    }
  }

  private static String describe(Throwable t) {
    if (t instanceof StorageException) {
      return "storage failed: " + t.getMessage();
    }
    return t.toString();
  }

  private void park(long nextTick) {
    if (!inbox.isEmpty() || node.hasReady()) {
      return;
    }
    parked.set(true);
    try {
      long wait = nextTick - System.nanoTime();
      if (wait > 0 && inbox.isEmpty() && running) {
        long parkedAt = System.nanoTime();
        LockSupport.parkNanos(this, wait);
        stats.idleNanos += System.nanoTime() - parkedAt;
      }
    } finally {
      parked.set(false);
    }
  }

  private void drainInbox() {
    long started = System.nanoTime();
    try {
      drainInboxTimed();
    } finally {
      stats.coreNanos += System.nanoTime() - started;
    }
  }

  private void drainInboxTimed() {
    int max = settings.maxInboxBatch();
    for (int i = 0; i < max; i++) {
      Object item = inbox.poll();
      if (item == null) {
        return;
      }
      if (item instanceof Message message) {
        node.step(message);
      } else {
        ((DriverTask) item).run();
      }
    }
  }

  private void afterIteration() {
    peers.refresh();
    if (!transfers.isEmpty()) {
      transfers.check(System.nanoTime());
    }
    statusPublisher.publish(applyProgress.appliedIndex());
  }

  // ---------------------------------------------------------------- timeouts and shutdown

  private void expireRequests(long now) {
    proposals.expire(now);
    reads.expire(now);
  }

  private void shutDown(Throwable failure) {
    running = false;
    RaftException stopped = new NodeStoppedException(id, stopReason, failure);
    applier.stop(stopped, STOP_WAIT_MILLIS);
    abortQueued();
    proposals.abortAll(stopped);
    reads.abortAll(stopped);
    transfers.abortAll(stopped);
    statusPublisher.publishStopped(applyProgress.appliedIndex());
    LOG.info(() -> "Raft node " + id + " " + stopReason);
    if (failure == null) {
      terminated.complete(null);
    } else {
      terminated.completeExceptionally(failure);
    }
    abortQueued();
  }

  // ---------------------------------------------------------------- queued work

  private final class ProgressQuery extends DriverRequest<Map<NodeId, FollowerProgress>> {
    ProgressQuery() {
      super(requestTimeoutNanos);
    }

    @Override
    public void run() {
      succeed(node.progress());
    }
  }

  /** News from the apply thread, queued as tasks for the driver's thread. */
  private final class ApplierEvents implements Applier.Listener {
    @Override
    public void applied(List<Entry> entries, List<byte[]> results, long bytes, long nanos) {
      enqueue(DriverTask.of(() -> applyProgress.applied(entries, results, bytes, nanos), null));
    }

    @Override
    public void installed(SnapshotMeta meta) {
      enqueue(DriverTask.of(() -> applyProgress.installed(meta), null));
    }

    @Override
    public void snapshotWritten(SnapshotDraft draft) {
      enqueue(DriverTask.of(() -> snapshots.commitWritten(draft), draft::discard));
    }

    @Override
    public void failed(Throwable failure) {
      enqueue(
          DriverTask.of(
              () -> {
                if (failure instanceof RuntimeException e) {
                  throw e;
                }
                if (failure instanceof Error e) {
                  throw e;
                }
                throw new IllegalStateException("the state machine failed: " + failure, failure);
              },
              null));
    }
  }
}
