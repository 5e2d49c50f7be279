package io.spindle.cli;

import io.spindle.protocol.queue.ErrorCode;
import io.spindle.protocol.queue.QueueError;
import io.spindle.protocol.queue.Reply;
import io.spindle.protocol.queue.Request;
import io.spindle.queue.client.QueueConnection;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * Many one-answer requests in flight at once over a few connections, for benchmarks: a fixed set of
 * slots, each bound to one connection and owning one reusable buffer, carries one request at a time
 * from its sending to its final answer. BUSY answers are re-sent with the same request id after the
 * delay the server asks for; any other error stops the run unless the caller tolerates it.
 *
 * <p>Threads: {@link #run} builds and sends on the caller's thread, blocking only while every slot
 * is in flight; answers are handled on the connections' reader threads, which only do bookkeeping
 * and never block; BUSY retries are re-sent from one scheduler thread. A request may wrap its
 * slot's buffer without copying it: the buffer is not reused before the request's final answer.
 */
final class RequestPipeline implements AutoCloseable {
  /** Builds the requests of a run. Called on the thread that called {@link #run}. */
  interface Requests {
    /**
     * Request number {@code index}, with a new request id; {@code buffer} is this request's until
     * its final answer.
     */
    Request build(int index, byte[] buffer);
  }

  /**
   * How a run went, once every request sent has had its final answer (or the deadline passed).
   *
   * @param succeeded which requests were answered with success (or a tolerated error)
   * @param latencyNanos from the first sending to the final answer, BUSY waits included, of the
   *     requests after the warm-up, in index order (0 for one not answered)
   * @param measuredNanos from the answer that ended the warm-up (or the start) to the last answer
   */
  record Outcome(
      int count,
      int warmup,
      boolean[] succeeded,
      long[] latencyNanos,
      long measuredNanos,
      int busyRetries,
      int tolerated,
      Optional<CliException> failure) {
    /** Requests answered per second after the warm-up. */
    double perSecond() {
      return (count - warmup) / (measuredNanos / 1e9);
    }

    /** The indexes of the requests that succeeded. */
    List<Integer> succeededIndexes() {
      List<Integer> out = new ArrayList<>();
      for (int i = 0; i < succeeded.length; i++) {
        if (succeeded[i]) {
          out.add(i);
        }
      }
      return out;
    }
  }

  private static final class Slot {
    final QueueConnection connection;
    final byte[] buffer;
    int index;
    Request request;
    long sentNanos;

    Slot(QueueConnection connection, byte[] buffer) {
      this.connection = connection;
      this.buffer = buffer;
    }
  }

  /** One run's state; written by the reader threads, read by the caller once the slots are home. */
  private static final class Run {
    final String what;
    final int count;
    final int warmup;
    final Predicate<QueueError> tolerate;
    final boolean[] succeeded;
    final long[] latencyNanos;
    final AtomicInteger answered = new AtomicInteger();
    final AtomicInteger busyRetries = new AtomicInteger();
    final AtomicInteger tolerated = new AtomicInteger();
    final CompletableFuture<Void> finished = new CompletableFuture<>();
    volatile long windowStart;
    volatile long windowEnd;

    Run(String what, int count, int warmup, Predicate<QueueError> tolerate) {
      this.what = what;
      this.count = count;
      this.warmup = warmup;
      this.tolerate = tolerate;
      this.succeeded = new boolean[count];
      this.latencyNanos = new long[count - warmup];
    }
  }

  private final int inFlight;
  private final BlockingQueue<Slot> free;
  private final ScheduledExecutorService retries =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "spindle-bench-retry");
            t.setDaemon(true);
            return t;
          });

  /**
   * {@code inFlight} slots over {@code connections} (slot i on connection i mod n), each with a
   * buffer of {@code bufferSize} bytes.
   */
  RequestPipeline(List<QueueConnection> connections, int inFlight, int bufferSize) {
    if (connections.isEmpty() || inFlight < 1) {
      throw new IllegalArgumentException("a pipeline needs a connection and a slot");
    }
    this.inFlight = inFlight;
    this.free = new ArrayBlockingQueue<>(inFlight);
    for (int i = 0; i < inFlight; i++) {
      free.add(new Slot(connections.get(i % connections.size()), new byte[bufferSize]));
    }
  }

  /**
   * Sends requests 0 to {@code count - 1}, keeping every slot busy, and returns once each has its
   * final answer, the first intolerable error stopped the run (in flight requests are still
   * awaited), or {@code deadlineNanos} (of {@link System#nanoTime}) passed.
   *
   * @param what for messages: "write", "delete"...
   * @param warmup how many answers come before the measured part
   * @param tolerate error answers that count as done (NOT_FOUND for a cleanup, say)
   */
  Outcome run(
      String what,
      int count,
      int warmup,
      Requests requests,
      Predicate<QueueError> tolerate,
      long deadlineNanos) {
    if (warmup < 0 || warmup > count) {
      throw new IllegalArgumentException("warm-up " + warmup + " of " + count);
    }
    Run run = new Run(what, count, warmup, tolerate);
    long start = System.nanoTime();
    run.windowStart = start;
    run.windowEnd = start;
    if (count == 0) {
      run.finished.complete(null);
    }
    try {
      for (int i = 0; i < count && !run.finished.isDone(); i++) {
        Slot s = free.poll(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
        if (s == null) {
          fail(run, outOfTime(run));
          break;
        }
        if (run.finished.isDone()) {
          free.add(s);
          break;
        }
        s.index = i;
        s.request = requests.build(i, s.buffer);
        s.sentNanos = System.nanoTime();
        send(run, s);
      }
      run.finished.get(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      fail(run, outOfTime(run));
    } catch (ExecutionException e) {
      // the failure is in run.finished
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      fail(run, new CliException(ExitCode.OTHER, "interrupted"));
    }
    boolean home = awaitSlots(deadlineNanos);
    Optional<CliException> failure = failureOf(run);
    if (!home && failure.isEmpty()) {
      failure = Optional.of(outOfTime(run));
    }
    return new Outcome(
        count,
        warmup,
        run.succeeded.clone(),
        run.latencyNanos.clone(),
        run.windowEnd - run.windowStart,
        run.busyRetries.get(),
        run.tolerated.get(),
        failure);
  }

  private void send(Run run, Slot s) {
    if (run.finished.isDone()) {
      free.add(s); // the run failed: this one is not sent (again)
      return;
    }
    s.connection.ask(s.request).whenComplete((reply, error) -> answered(run, s, reply, error));
  }

  /** On a reader thread (or the sender's, if the connection was closed): bookkeeping only. */
  private void answered(Run run, Slot s, Reply reply, Throwable error) {
    if (error != null) {
      Throwable cause = error instanceof CompletionException ce ? ce.getCause() : error;
      fail(run, new CliException(ExitCode.UNAVAILABLE, run.what + " failed: " + describe(cause)));
      home(s);
      return;
    }
    if (reply.hasError()) {
      QueueError e = reply.getError();
      if (e.getCode() == ErrorCode.BUSY) {
        run.busyRetries.incrementAndGet();
        retries.schedule(
            () -> send(run, s), Math.max(1, e.getRetryAfterMs()), TimeUnit.MILLISECONDS);
        return;
      }
      if (!run.tolerate.test(e)) {
        fail(run, ClusterClient.failure(e, run.what + " " + s.index));
        home(s);
        return;
      }
      run.tolerated.incrementAndGet();
    }
    long now = System.nanoTime();
    if (s.index >= run.warmup) {
      run.latencyNanos[s.index - run.warmup] = now - s.sentNanos;
    }
    run.succeeded[s.index] = true;
    int n = run.answered.incrementAndGet();
    if (n == run.warmup) {
      run.windowStart = now;
    }
    if (n == run.count) {
      run.windowEnd = now;
    }
    home(s);
    if (n == run.count) {
      run.finished.complete(null);
    }
  }

  private void home(Slot s) {
    s.request = null;
    free.add(s);
  }

  private static void fail(Run run, CliException e) {
    run.finished.completeExceptionally(e);
  }

  /** Waits until every slot is back, so no answer touches the run any more. */
  private boolean awaitSlots(long deadlineNanos) {
    List<Slot> back = new ArrayList<>();
    try {
      while (back.size() < inFlight) {
        Slot s = free.poll(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
        if (s == null) {
          return false;
        }
        back.add(s);
      }
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    } finally {
      free.addAll(back);
    }
  }

  private static Optional<CliException> failureOf(Run run) {
    if (!run.finished.isCompletedExceptionally()) {
      return Optional.empty();
    }
    try {
      run.finished.join();
      return Optional.empty();
    } catch (CompletionException e) {
      return Optional.of(
          e.getCause() instanceof CliException c
              ? c
              : new CliException(ExitCode.OTHER, run.what + " failed: " + describe(e.getCause())));
    }
  }

  private static CliException outOfTime(Run run) {
    return new CliException(
        ExitCode.UNAVAILABLE,
        run.what
            + " ran out of time: "
            + run.answered.get()
            + " of "
            + run.count
            + " requests answered; give it a longer --timeout");
  }

  private static String describe(Throwable t) {
    return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
  }

  @Override
  public void close() {
    retries.shutdownNow();
  }
}
