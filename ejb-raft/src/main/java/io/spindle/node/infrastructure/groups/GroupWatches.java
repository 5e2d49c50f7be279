package io.spindle.node.infrastructure.groups;

import com.google.protobuf.ByteString;
import io.spindle.node.application.ClusterUnavailableException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Watchers waiting for a group to change: each waits for the next change of its group applied on
 * this node, or for its timeout, whichever is first; at most {@value #MAX_WAITING} wait at once.
 * Waiters are completed on {@code executor}, never on the apply thread that reports the change.
 *
 * <p><b>Threading:</b> thread-safe.
 */
final class GroupWatches {
  static final int MAX_WAITING = 10_000;

  private final Map<ByteString, List<CompletableFuture<Void>>> waiting = new HashMap<>();
  private final ScheduledExecutorService timer;
  private final Executor executor;
  private int count;

  GroupWatches(ScheduledExecutorService timer, Executor executor) {
    this.timer = timer;
    this.executor = executor;
  }

  /**
   * Completes (normally) at the next change of {@code group} or after {@code timeout}; cancel it to
   * stop waiting.
   */
  CompletableFuture<Void> next(ByteString group, Duration timeout) {
    CompletableFuture<Void> waiter = new CompletableFuture<>();
    synchronized (this) {
      if (count >= MAX_WAITING) {
        throw new ClusterUnavailableException(
            "this node has "
                + count
                + " watches waiting, the most it keeps; retry later or watch through another node");
      }
      waiting.computeIfAbsent(group, g -> new ArrayList<>()).add(waiter);
      count++;
    }
    var timeoutTask =
        timer.schedule(
            () -> executor.execute(() -> waiter.complete(null)),
            timeout.toMillis(),
            TimeUnit.MILLISECONDS);
    waiter.whenComplete(
        (v, failure) -> {
          timeoutTask.cancel(false);
          forget(group, waiter);
        });
    return waiter;
  }

  /** These groups changed: wake their waiters. */
  void changed(Set<ByteString> groups) {
    List<CompletableFuture<Void>> woken = new ArrayList<>();
    synchronized (this) {
      for (ByteString group : groups) {
        List<CompletableFuture<Void>> list = waiting.get(group);
        if (list != null) {
          woken.addAll(list);
        }
      }
    }
    if (!woken.isEmpty()) {
      executor.execute(() -> woken.forEach(w -> w.complete(null)));
    }
  }

  /** Wakes every waiter (the whole state was replaced, or the node stops). */
  void changedAll() {
    List<CompletableFuture<Void>> woken = new ArrayList<>();
    synchronized (this) {
      waiting.values().forEach(woken::addAll);
    }
    if (!woken.isEmpty()) {
      executor.execute(() -> woken.forEach(w -> w.complete(null)));
    }
  }

  synchronized int waitingCount() {
    return count;
  }

  private synchronized void forget(ByteString group, CompletableFuture<Void> waiter) {
    List<CompletableFuture<Void>> list = waiting.get(group);
    if (list != null && list.remove(waiter)) {
      count--;
      if (list.isEmpty()) {
        waiting.remove(group);
      }
    }
  }
}
