package io.spindle.queue.service;

import io.spindle.queue.jobs.QueueKind;
import java.util.List;

/**
 * The queue service's numbers at one moment, for the metrics port. Immutable; built on the core
 * thread ({@link QueueService#metrics()}).
 *
 * @param queues each queue's jobs waiting and leased, and its capacity
 * @param nodesConnected nodes with at least one open connection
 * @param uploads uploads being received or awaiting their commit
 * @param spoolBytes disk the spool has reserved for them
 * @param term the highest term any node reported
 * @param finished jobs ended since the start, by queue and outcome (every pair, zeros included)
 */
public record QueueServiceMetrics(
    List<Queue> queues,
    int nodesConnected,
    int uploads,
    long spoolBytes,
    long term,
    List<FinishedJobs> finished) {

  public QueueServiceMetrics {
    queues = List.copyOf(queues);
    finished = List.copyOf(finished);
  }

  /** One queue: jobs waiting ({@code queued}), leased to nodes, and its capacity. */
  public record Queue(QueueKind kind, long queued, long leased, long capacity) {}

  /** How many jobs of {@code queue} ended with {@code outcome}. */
  public record FinishedJobs(QueueKind queue, JobOutcome outcome, long count) {}
}
