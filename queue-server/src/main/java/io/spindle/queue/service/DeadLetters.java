package io.spindle.queue.service;

import io.spindle.protocol.queue.DeadLetter;
import io.spindle.queue.jobs.JobQueues.JobView;
import java.time.InstantSource;
import java.util.ArrayDeque;
import java.util.List;

/**
 * The jobs the queue server gave up on lately, newest first: what `spindle status` and the nodes'
 * pages show, so that a job that kept failing is visible after its client got its error. Bounded:
 * the oldest go first.
 *
 * <p>Not thread-safe: the queue service's core thread owns it.
 */
final class DeadLetters {
  private final int capacity;
  private final InstantSource clock;
  private final ArrayDeque<DeadLetter> letters = new ArrayDeque<>();

  DeadLetters(int capacity, InstantSource clock) {
    this.capacity = capacity;
    this.clock = clock;
  }

  void add(JobView<?> job, String lastNodeId, String reason) {
    letters.addFirst(
        DeadLetter.newBuilder()
            .setJobId(job.id())
            .setRequestId(job.requestId())
            .setKind(job.kind())
            .setAttempts(job.attempt())
            .setReason(reason)
            .setLastNodeId(lastNodeId == null ? "" : lastNodeId)
            .setFailedAtMs(clock.millis())
            .build());
    while (letters.size() > capacity) {
      letters.removeLast();
    }
  }

  /** The newest {@code max}, newest first. */
  List<DeadLetter> newest(int max) {
    return letters.stream().limit(max).toList();
  }
}
