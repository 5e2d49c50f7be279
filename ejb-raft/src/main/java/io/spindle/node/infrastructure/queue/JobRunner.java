package io.spindle.node.infrastructure.queue;

import io.spindle.protocol.queue.Job;
import io.spindle.protocol.queue.JobResult;

/** Does the work of one job on this node, blocking the calling (job) thread. */
public interface JobRunner {
  /**
   * Runs {@code job} and returns its result with the outcome set (the worker fills in the ids). An
   * outcome the client should see, a failure included (NOT_FOUND, INVALID_ARGUMENT...), is a
   * result; a job this node cannot do now is given back by throwing {@link CannotRunHereException}.
   *
   * @param link the queue server link the job came by: a write's chunks come from it, and the tasks
   *     the job shares out go through it (null if the job did not come from a queue server)
   */
  JobResult.Builder run(Job job, JobLink link);

  /** The job must go to another node (this one no longer leads, or is stopping). */
  final class CannotRunHereException extends RuntimeException {
    public CannotRunHereException(String message) {
      super(message);
    }
  }
}
