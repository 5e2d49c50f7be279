package io.spindle.raft.server;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A caller's request to a {@link RaftDriver}, with its future; finished once, on whichever path
 * comes first.
 *
 * <p><b>Threading:</b> made on the caller's thread and queued for the driver's thread, which runs
 * it; {@link #succeed}, {@link #fail} and {@link #abort} may then be called on any thread (a read
 * is answered on the apply thread, and may expire on the driver's at the same time): only the first
 * call completes the future. <b>Blocking:</b> never; the future's dependent stages run on the
 * finishing thread.
 */
abstract class DriverRequest<T> implements DriverTask {
  final CompletableFuture<T> future = new CompletableFuture<>();
  final long deadline;
  private final AtomicBoolean done = new AtomicBoolean();

  /** The driver's count of outstanding requests, once this one is admitted into it. */
  private AtomicInteger outstanding;

  /** A request that times out {@code timeoutNanos} from now. */
  DriverRequest(long timeoutNanos) {
    this.deadline = System.nanoTime() + timeoutNanos;
  }

  /** Counts it as outstanding until it finishes; before it is queued for the driver's thread. */
  final void countIn(AtomicInteger outstanding) {
    this.outstanding = outstanding;
  }

  final void succeed(T value) {
    if (finish()) {
      future.complete(value);
    }
  }

  final void fail(Throwable error) {
    if (finish()) {
      future.completeExceptionally(error);
    }
  }

  @Override
  public final void abort(RaftException reason) {
    fail(reason);
  }

  final void rejectUncounted(RaftException reason) {
    done.set(true);
    future.completeExceptionally(reason);
  }

  /** True for the first finisher only: a read may be answered and expire on two threads. */
  private boolean finish() {
    if (!done.compareAndSet(false, true)) {
      return false;
    }
    if (outstanding != null) {
      outstanding.decrementAndGet();
    }
    return true;
  }
}
