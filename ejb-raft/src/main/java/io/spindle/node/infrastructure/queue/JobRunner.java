package io.spindle.node.infrastructure.queue;

import io.spindle.protocol.queue.Job;
import io.spindle.protocol.queue.JobResult;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * Does the work of one job on this node: {@link #run} on the calling (job) thread, or {@link
 * #start} for a job that waits for an event without holding that thread.
 */
public interface JobRunner {
  /**
   * Runs {@code job} and returns its result with the outcome set (the worker fills in the ids). An
   * outcome the client should see, a failure included (NOT_FOUND, INVALID_ARGUMENT...), is a
   * result; a job this node cannot do now is given back by throwing {@link CannotRunHereException}.
   * Blocks the calling (job) thread.
   *
   * @param link the queue server link the job came by: a write's chunks come from it, and the tasks
   *     the job shares out go through it (null if the job did not come from a queue server)
   */
  JobResult.Builder run(Job job, JobLink link);

  /**
   * Starts {@code job}; its result comes with the future. Called on a job thread. By default the
   * job is {@link #run} on it and the future is complete on return. A job that waits for an event
   * (a show of a group that waits for its next change) returns an incomplete future at once
   * instead, so that it holds no job thread while it waits; the worker keeps renewing its lease
   * until the future completes, and cancels the future if the lease is lost or the link closes.
   *
   * <p>The future fails with {@link CannotRunHereException} to give the job back, with any other
   * exception for a failure on this node, as {@link #run} throws them; this method may also throw
   * them itself.
   *
   * @param finishOn the worker's job threads: where work done when the event comes (building the
   *     result) belongs, rather than on the thread that completes the event (the Raft driver's,
   *     say), which must not be held up
   */
  default CompletableFuture<JobResult.Builder> start(Job job, JobLink link, Executor finishOn) {
    return CompletableFuture.completedFuture(run(job, link));
  }

  /** The job must go to another node (this one no longer leads, or is stopping). */
  final class CannotRunHereException extends RuntimeException {
    public CannotRunHereException(String message) {
      super(message);
    }
  }
}
