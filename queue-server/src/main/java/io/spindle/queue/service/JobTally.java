package io.spindle.queue.service;

import io.spindle.queue.jobs.QueueKind;
import java.util.ArrayList;
import java.util.List;

/**
 * How many jobs ended, by queue and outcome, since the server started: the counters behind the
 * metrics port's {@code spindle_queue_jobs_finished_total}.
 *
 * <p><b>Threading:</b> owned by {@link QueueService} and called from its core thread only; not
 * thread-safe.
 */
final class JobTally {
  private final long[][] counts = new long[QueueKind.values().length][JobOutcome.values().length];

  void ended(QueueKind queue, JobOutcome outcome) {
    counts[queue.ordinal()][outcome.ordinal()]++;
  }

  List<QueueServiceMetrics.FinishedJobs> snapshot() {
    List<QueueServiceMetrics.FinishedJobs> out = new ArrayList<>();
    for (QueueKind q : QueueKind.values()) {
      for (JobOutcome o : JobOutcome.values()) {
        out.add(new QueueServiceMetrics.FinishedJobs(q, o, counts[q.ordinal()][o.ordinal()]));
      }
    }
    return out;
  }
}
