package io.spindle.node.infrastructure.runtime;

import io.spindle.raft.server.RaftStatus;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Whether a node is ready for clients: it runs, knows a leader, and has applied the log up to the
 * leader's commit index as a read barrier found it once it first saw that leader; it then stays
 * ready while a leader is known. A node catching up (a new learner, a restarted member far behind,
 * one installing a snapshot) is therefore not ready until it has caught up, although its own commit
 * index, which only grows as entries reach it, may equal what it has applied long before.
 *
 * <p>{@link #ready} never blocks: it starts the barrier (a linearizable read) and answers false
 * until the barrier completes. A barrier that fails, or is still out after {@link #RETRY_AFTER}, is
 * started again; one started before the leader was lost counts for nothing.
 *
 * <p><b>Threading:</b> thread-safe.
 */
final class Readiness {
  static final Duration RETRY_AFTER = Duration.ofSeconds(10);

  private final Supplier<RaftStatus> status;
  private final Supplier<CompletableFuture<?>> barrier;
  private final LongSupplier nanoTime;

  // Guarded by this.
  private boolean caughtUp;
  private long generation;
  private CompletableFuture<?> pending;
  private long pendingSince;

  /**
   * @param barrier starts a linearizable read: it completes once this node has applied the leader's
   *     commit index as of the read
   */
  Readiness(
      Supplier<RaftStatus> status, Supplier<CompletableFuture<?>> barrier, LongSupplier nanoTime) {
    this.status = Objects.requireNonNull(status, "status");
    this.barrier = Objects.requireNonNull(barrier, "barrier");
    this.nanoTime = Objects.requireNonNull(nanoTime, "nanoTime");
  }

  synchronized boolean ready() {
    RaftStatus s = status.get();
    if (s == null || !s.running() || s.leader().isEmpty()) {
      caughtUp = false;
      generation++;
      pending = null;
      return false;
    }
    if (caughtUp) {
      return true;
    }
    long now = nanoTime.getAsLong();
    if (pending == null || now - pendingSince >= RETRY_AFTER.toNanos()) {
      startBarrier(now);
    }
    return caughtUp;
  }

  private void startBarrier(long now) {
    long startedIn = generation;
    CompletableFuture<?> started;
    try {
      started = barrier.get();
    } catch (RuntimeException e) {
      pending = null; // the node cannot read now; the next call tries again
      return;
    }
    pending = started;
    pendingSince = now;
    started.whenComplete((r, failure) -> finished(started, startedIn, failure == null));
  }

  private synchronized void finished(CompletableFuture<?> barrier, long startedIn, boolean ok) {
    if (startedIn != generation) {
      return; // the leader was lost since: this barrier says nothing about the next one
    }
    if (ok) {
      caughtUp = true;
    }
    if (pending == barrier) {
      pending = null;
    }
  }
}
