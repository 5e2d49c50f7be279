package io.spindle.queue.jobs;

import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The leader queue and the shared queue, and the leases on the jobs nodes took from them.
 *
 * <p><b>Jobs:</b> {@link #offer} queues a job at the back of its queue, unless the queue or the
 * byte bound is full (the caller answers BUSY). A job stays known, queued or leased, until it
 * {@link #complete}s, is {@link #dropOverdue dropped} (queued past its deadline) or fails for good:
 * after {@link JobQueueSettings#maxFailures} lost leases and failures on nodes together, or when
 * nodes gave it back more than {@link JobQueueSettings#maxGiveBacks} times.
 *
 * <p><b>Leases:</b> {@link #steal} hands jobs to a node for {@link JobQueueSettings#lease}; {@link
 * #renew} extends them. A lease that {@link #expireLeases expires}, or whose connection {@link
 * #releaseConnection closes}, returns its job to the <em>front</em> of its queue, so work lost with
 * a node is redone before newer work; {@link #release} does the same when a node gives jobs back.
 *
 * <p><b>Leader-only dispatch:</b> every {@link #report} updates the highest term any node has
 * reported. Leader-queue jobs go only to a node whose latest report says {@link NodeRole#LEADER} at
 * that term. When a higher term appears, or a leader reports another role, the leader jobs leased
 * to nodes that no longer qualify go back to the front of the leader queue: their effect, if it
 * happened, is applied once anyway (the node deduplicates by request id).
 *
 * <p><b>Results:</b> the first {@link #complete} of a job wins, whoever holds its lease now; later
 * ones find nothing.
 *
 * <p>Not thread-safe: one thread (the queue service's) owns it. Time comes from the injected clock
 * only, so lease tests run on a manual clock.
 *
 * @param <P> what a job carries for the node (opaque here)
 */
public final class JobQueues<P> {
  /** A job as the caller sees it: handed out, finished, dropped. */
  public record JobView<P>(
      long id, String requestId, QueueKind queue, String kind, P payload, int attempt) {}

  /** A leased job, for status views. */
  public record LeaseView(
      long jobId,
      String requestId,
      QueueKind queue,
      String kind,
      String nodeId,
      Duration expiresIn,
      int attempt) {}

  /** What {@link #expireLeases} and {@link #releaseConnection} did with one lost lease. */
  public record LostLease<P>(JobView<P> job, String nodeId, boolean failedForGood) {}

  private final JobQueueSettings limits;
  private final InstantSource clock;
  private final Deque<Entry<P>> leaderQueue = new ArrayDeque<>();
  private final Deque<Entry<P>> sharedQueue = new ArrayDeque<>();
  private final Map<Long, Entry<P>> jobs = new HashMap<>();
  private final Map<Long, Entry<P>> leased = new LinkedHashMap<>();
  private final Map<String, NodeReport> reports = new HashMap<>();
  private final Map<String, Integer> perNodeLimits = new HashMap<>();
  private long queuedBytes;
  private long highestTerm;

  private static final class Entry<P> {
    final long id;
    final String requestId;
    final QueueKind queue;
    final String kind;
    final P payload;
    final int bytes;
    final long timeoutMillis;
    long deadlineMillis;
    int attempts;
    int failures;
    int givenBack;
    // The lease, when leased.
    String holder;
    long connection;
    long term;
    long expiresAtMillis;

    Entry(
        long id,
        String requestId,
        QueueKind queue,
        String kind,
        P payload,
        int bytes,
        long timeout) {
      this.id = id;
      this.requestId = requestId;
      this.queue = queue;
      this.kind = kind;
      this.payload = payload;
      this.bytes = bytes;
      this.timeoutMillis = timeout;
    }

    JobView<P> view() {
      return new JobView<>(id, requestId, queue, kind, payload, attempts);
    }

    boolean isLeased() {
      return holder != null;
    }
  }

  public JobQueues(JobQueueSettings limits, InstantSource clock) {
    this.limits = Objects.requireNonNull(limits, "limits");
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  public JobQueueSettings limits() {
    return limits;
  }

  /**
   * From now on a node holds at most {@code max} leased jobs of {@code kind} at once; the others
   * wait in their queue for another node (or for one of its leases to end). For work that keeps a
   * core busy, such as the ranges of a count, so that one node's big steal does not take them all.
   */
  public void limitPerNode(String kind, int max) {
    if (max < 1) {
      throw new IllegalArgumentException("a node may hold at least one job of a kind: " + max);
    }
    perNodeLimits.put(Objects.requireNonNull(kind, "kind"), max);
  }

  // ---- queueing ----

  /** Why {@code queue} cannot take a job of {@code bytes} now, or null if it can. */
  public String fullReason(QueueKind queue, int bytes) {
    Deque<Entry<P>> q = queue(queue);
    int capacity = capacity(queue);
    if (q.size() >= capacity) {
      return "the " + queue.label() + " queue is full (" + capacity + " jobs waiting)";
    }
    if (queuedBytes + bytes > limits.maxQueuedBytes() && queuedBytes > 0) {
      return "the queues hold their maximum of " + limits.maxQueuedBytes() + " bytes of job data";
    }
    return null;
  }

  /**
   * Queues a job at the back of {@code queue}; returns false (and queues nothing) if it is full.
   *
   * @param id unique among the jobs this queue has ever known
   * @param bytes the payload's size, counted against {@link JobQueueSettings#maxQueuedBytes}
   * @param timeout how long the job may wait in the queue before {@link #dropOverdue} drops it
   */
  public boolean offer(
      long id,
      String requestId,
      QueueKind queue,
      String kind,
      P payload,
      int bytes,
      Duration timeout) {
    Objects.requireNonNull(requestId, "requestId");
    Objects.requireNonNull(queue, "queue");
    Objects.requireNonNull(kind, "kind");
    if (jobs.containsKey(id)) {
      throw new IllegalArgumentException("job " + id + " is already known");
    }
    if (fullReason(queue, bytes) != null) {
      return false;
    }
    Entry<P> entry = new Entry<>(id, requestId, queue, kind, payload, bytes, timeout.toMillis());
    entry.deadlineMillis = now() + entry.timeoutMillis;
    jobs.put(id, entry);
    queue(queue).addLast(entry);
    queuedBytes += bytes;
    return true;
  }

  // ---- nodes ----

  /**
   * Records what a node says about itself. If that raises the highest term, or the node stops
   * qualifying as leader, the leader jobs leased to nodes that no longer qualify go back to the
   * front of the leader queue; those are returned.
   */
  public List<JobView<P>> report(NodeReport report) {
    NodeReport previous = reports.put(report.nodeId(), report);
    boolean wasEligible = previous != null && isEligible(previous);
    boolean raised = report.term() > highestTerm;
    if (raised) {
      highestTerm = report.term();
    }
    if (!raised && !(wasEligible && !isEligible(report))) {
      return List.of();
    }
    List<JobView<P>> revoked = new ArrayList<>();
    List<Entry<P>> lost = new ArrayList<>();
    for (Entry<P> e : leased.values()) {
      if (e.queue == QueueKind.LEADER && !qualifies(e.holder)) {
        lost.add(e);
      }
    }
    // Requeue in reverse, so they keep their order at the front.
    for (int i = lost.size() - 1; i >= 0; i--) {
      Entry<P> e = lost.get(i);
      unlease(e);
      requeueFront(e);
      revoked.add(0, e.view());
    }
    return revoked;
  }

  /** The highest term any node has reported. */
  public long highestTerm() {
    return highestTerm;
  }

  /** The node that reported LEADER at the highest term, if any. */
  public Optional<String> leaderId() {
    return reports.values().stream()
        .filter(this::isEligible)
        .map(NodeReport::nodeId)
        .sorted()
        .findFirst();
  }

  /** Whether {@code nodeId}'s latest report makes it the leader of the newest term. */
  public boolean qualifies(String nodeId) {
    NodeReport r = reports.get(nodeId);
    return r != null && isEligible(r);
  }

  private boolean isEligible(NodeReport r) {
    return r.role() == NodeRole.LEADER && r.term() == highestTerm;
  }

  /** Whether {@link #steal} may give {@code nodeId} something now (a limited kind may not). */
  public boolean hasWorkFor(String nodeId) {
    return !sharedQueue.isEmpty() || (!leaderQueue.isEmpty() && qualifies(nodeId));
  }

  /**
   * Leases up to {@code maxJobs} jobs, and payload bytes up to {@code maxBytes} (one job always),
   * to {@code nodeId} over connection {@code connection}: leader jobs first, if the node's latest
   * {@link #report} qualifies it, then shared jobs.
   */
  public List<JobView<P>> steal(String nodeId, long connection, int maxJobs, long maxBytes) {
    List<JobView<P>> out = new ArrayList<>();
    if (maxJobs <= 0) {
      return out;
    }
    NodeReport report = reports.get(nodeId);
    long[] bytes = {0};
    if (report != null && isEligible(report)) {
      take(leaderQueue, nodeId, connection, report.term(), maxJobs, maxBytes, bytes, out);
    }
    long term = report == null ? 0 : report.term();
    take(sharedQueue, nodeId, connection, term, maxJobs, maxBytes, bytes, out);
    return out;
  }

  private void take(
      Deque<Entry<P>> queue,
      String nodeId,
      long connection,
      long term,
      int maxJobs,
      long maxBytes,
      long[] bytes,
      List<JobView<P>> out) {
    Map<String, Integer> room = roomFor(nodeId);
    for (Iterator<Entry<P>> it = queue.iterator(); it.hasNext() && out.size() < maxJobs; ) {
      Entry<P> e = it.next();
      Integer left = room.get(e.kind);
      if (left != null && left <= 0) {
        continue; // this node holds its share of that kind; the job waits for another
      }
      if (!out.isEmpty() && bytes[0] + e.bytes > maxBytes) {
        return;
      }
      it.remove();
      if (left != null) {
        room.put(e.kind, left - 1);
      }
      queuedBytes -= e.bytes;
      bytes[0] += e.bytes;
      e.attempts++;
      e.holder = nodeId;
      e.connection = connection;
      e.term = term;
      e.expiresAtMillis = now() + limits.lease().toMillis();
      leased.put(e.id, e);
      out.add(e.view());
    }
  }

  /** How many more jobs of each limited kind {@code nodeId} may lease now. */
  private Map<String, Integer> roomFor(String nodeId) {
    if (perNodeLimits.isEmpty()) {
      return new HashMap<>();
    }
    Map<String, Integer> room = new HashMap<>(perNodeLimits);
    for (Entry<P> e : leased.values()) {
      if (e.holder.equals(nodeId)) {
        room.computeIfPresent(e.kind, (k, n) -> n - 1);
      }
    }
    return room;
  }

  /**
   * Extends {@code nodeId}'s leases on {@code jobIds}; returns the ids it does not hold (expired
   * and requeued, finished, unknown), for the node to abandon.
   */
  public List<Long> renew(String nodeId, Collection<Long> jobIds) {
    List<Long> lost = new ArrayList<>();
    long expires = now() + limits.lease().toMillis();
    for (Long id : jobIds) {
      Entry<P> e = leased.get(id);
      if (e == null || !e.holder.equals(nodeId)) {
        lost.add(id);
      } else {
        e.expiresAtMillis = expires;
      }
    }
    return lost;
  }

  /** Whether job {@code jobId} is leased to {@code nodeId} now. */
  public boolean isLeasedTo(long jobId, String nodeId) {
    Entry<P> e = leased.get(jobId);
    return e != null && e.holder.equals(nodeId);
  }

  /** The job, queued or leased. */
  public Optional<JobView<P>> job(long jobId) {
    Entry<P> e = jobs.get(jobId);
    return e == null ? Optional.empty() : Optional.of(e.view());
  }

  /**
   * Finishes a job: the first call wins and returns it; later calls (a duplicate result, a result
   * from a node whose lease was taken back) return empty.
   */
  public Optional<JobView<P>> complete(long jobId) {
    Entry<P> e = jobs.remove(jobId);
    if (e == null) {
      return Optional.empty();
    }
    if (e.isLeased()) {
      leased.remove(jobId);
    } else {
      queue(e.queue).remove(e);
      queuedBytes -= e.bytes;
    }
    return Optional.of(e.view());
  }

  /**
   * {@code nodeId} gives jobs back: they return to the front of their queue. If it {@code failed}
   * them (an unexpected error on the node), that counts as a failure, as a lost lease does;
   * otherwise (it lost leadership, is shutting down) as a give-back. A job past either limit fails
   * for good instead. Returns those that were its.
   */
  public List<LostLease<P>> release(String nodeId, Collection<Long> jobIds, boolean failed) {
    List<Entry<P>> given = new ArrayList<>();
    for (Long id : jobIds) {
      Entry<P> e = leased.get(id);
      if (e != null && e.holder.equals(nodeId)) {
        given.add(e);
      }
    }
    List<LostLease<P>> out = new ArrayList<>();
    for (int i = given.size() - 1; i >= 0; i--) {
      Entry<P> e = given.get(i);
      unlease(e);
      boolean overLimit;
      if (failed) {
        overLimit = ++e.failures >= limits.maxFailures();
      } else {
        overLimit = ++e.givenBack >= limits.maxGiveBacks();
      }
      if (overLimit) {
        jobs.remove(e.id);
      } else {
        requeueFront(e);
      }
      out.add(0, new LostLease<>(e.view(), nodeId, overLimit));
    }
    return out;
  }

  /**
   * A node's connection closed: its leases over that connection are lost, as if they expired now.
   */
  public List<LostLease<P>> releaseConnection(long connection) {
    List<Entry<P>> lost = new ArrayList<>();
    for (Entry<P> e : leased.values()) {
      if (e.connection == connection) {
        lost.add(e);
      }
    }
    return loseAll(lost);
  }

  /**
   * Takes back every lease past its expiry: its job returns to the front of its queue, or fails for
   * good after {@link JobQueueSettings#maxFailures} lost leases.
   */
  public List<LostLease<P>> expireLeases() {
    long now = now();
    List<Entry<P>> lost = new ArrayList<>();
    for (Entry<P> e : leased.values()) {
      if (e.expiresAtMillis <= now) {
        lost.add(e);
      }
    }
    return loseAll(lost);
  }

  private List<LostLease<P>> loseAll(List<Entry<P>> lost) {
    List<LostLease<P>> out = new ArrayList<>();
    for (int i = lost.size() - 1; i >= 0; i--) {
      Entry<P> e = lost.get(i);
      String holder = e.holder;
      unlease(e);
      e.failures++;
      boolean failed = e.failures >= limits.maxFailures();
      if (failed) {
        jobs.remove(e.id);
      } else {
        requeueFront(e);
      }
      out.add(0, new LostLease<>(e.view(), holder, failed));
    }
    return out;
  }

  /** Removes and returns the queued (not leased) jobs whose deadline has passed. */
  public List<JobView<P>> dropOverdue() {
    long now = now();
    List<JobView<P>> dropped = new ArrayList<>();
    for (Deque<Entry<P>> q : List.of(leaderQueue, sharedQueue)) {
      for (Iterator<Entry<P>> it = q.iterator(); it.hasNext(); ) {
        Entry<P> e = it.next();
        if (e.deadlineMillis <= now) {
          it.remove();
          queuedBytes -= e.bytes;
          jobs.remove(e.id);
          dropped.add(e.view());
        }
      }
    }
    return dropped;
  }

  // ---- views ----

  /** Jobs waiting in {@code queue} (not leased). */
  public int depth(QueueKind queue) {
    return queue(queue).size();
  }

  public int capacity(QueueKind queue) {
    return queue == QueueKind.LEADER ? limits.leaderCapacity() : limits.sharedCapacity();
  }

  /** Jobs of {@code queue} leased now. */
  public int leasedCount(QueueKind queue) {
    int n = 0;
    for (Entry<P> e : leased.values()) {
      if (e.queue == queue) {
        n++;
      }
    }
    return n;
  }

  public int leasedCount(String nodeId) {
    int n = 0;
    for (Entry<P> e : leased.values()) {
      if (e.holder.equals(nodeId)) {
        n++;
      }
    }
    return n;
  }

  public long queuedBytes() {
    return queuedBytes;
  }

  /** Every lease, in the order they were granted. */
  public List<LeaseView> leases() {
    long now = now();
    List<LeaseView> out = new ArrayList<>(leased.size());
    for (Entry<P> e : leased.values()) {
      out.add(
          new LeaseView(
              e.id,
              e.requestId,
              e.queue,
              e.kind,
              e.holder,
              Duration.ofMillis(Math.max(0, e.expiresAtMillis - now)),
              e.attempts));
    }
    return out;
  }

  // ---- internals ----

  private void unlease(Entry<P> e) {
    leased.remove(e.id);
    e.holder = null;
    e.connection = 0;
    e.term = 0;
    e.expiresAtMillis = 0;
  }

  private void requeueFront(Entry<P> e) {
    queue(e.queue).addFirst(e);
    queuedBytes += e.bytes;
    e.deadlineMillis = now() + e.timeoutMillis;
  }

  private Deque<Entry<P>> queue(QueueKind kind) {
    return kind == QueueKind.LEADER ? leaderQueue : sharedQueue;
  }

  private long now() {
    return clock.millis();
  }
}
