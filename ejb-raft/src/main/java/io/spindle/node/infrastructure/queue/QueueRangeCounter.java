package io.spindle.node.infrastructure.queue;

import io.spindle.node.application.ClusterUnavailableException;
import io.spindle.node.application.FileChangedException;
import io.spindle.node.application.LocalRangeCounter;
import io.spindle.node.application.RangeCounter;
import io.spindle.node.application.RangeResult;
import io.spindle.node.application.RangeTask;
import io.spindle.protocol.queue.ErrorCode;
import io.spindle.protocol.queue.Task;
import io.spindle.protocol.queue.TaskResult;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;
import java.util.logging.Logger;

/**
 * Counts the ranges of a count through the queue server: each range becomes a {@link
 * io.spindle.protocol.queue.CountRangeJob} task on the shared queue, which any node (this one too)
 * steals and counts from its own copy ({@link LocalJobRunner}); the result comes back to this node,
 * the coordinator, which merges. A file of one range, or a node without a queue server connection,
 * counts here ({@link LocalRangeCounter}).
 *
 * <p><b>Threading:</b> thread-safe; {@link #count} returns at once for a queued range, and its
 * stage completes on the queue connection's event loop; cancelling the stage cancels the task.
 * <b>Errors:</b> as {@link RangeCounter}: content gone on the counting node is {@link
 * FileChangedException}; a lost connection, a full queue or a task no node took in time is {@link
 * ClusterUnavailableException}.
 */
public final class QueueRangeCounter implements RangeCounter {
  private static final Logger LOG = Logger.getLogger(QueueRangeCounter.class.getName());

  private final LocalRangeCounter local;
  private final Supplier<Optional<TaskSubmitter>> queue;
  private final int maxDistinctWords;

  /**
   * @param queue the queue connection to share ranges through, if there is one now
   * @param maxDistinctWords the bound of each range's word tally (as the local counter's)
   */
  public QueueRangeCounter(
      LocalRangeCounter local, Supplier<Optional<TaskSubmitter>> queue, int maxDistinctWords) {
    this.local = Objects.requireNonNull(local, "local");
    this.queue = Objects.requireNonNull(queue, "queue");
    this.maxDistinctWords = maxDistinctWords;
  }

  @Override
  public CompletionStage<RangeResult> count(RangeTask task) {
    boolean wholeFile = task.start() == 0 && task.end() == task.fileSize();
    Optional<TaskSubmitter> submitter = queue.get().filter(TaskSubmitter::connected);
    if (wholeFile || submitter.isEmpty()) {
      return local.count(task);
    }
    Task.Builder job =
        Task.newBuilder().setCountRange(CountRangeMessages.toJob(task, maxDistinctWords));
    CompletableFuture<TaskResult> sent = submitter.get().submit(job);
    CompletableFuture<RangeResult> counted =
        sent.handle((result, failure) -> outcome(task, result, failure));
    // The count gave up on this range (another one failed): the task goes from the queue too.
    counted.whenComplete(
        (r, e) -> {
          if (counted.isCancelled()) {
            sent.cancel(false);
          }
        });
    return counted;
  }

  private static RangeResult outcome(RangeTask task, TaskResult result, Throwable failure) {
    if (failure != null) {
      Throwable cause = failure instanceof CompletionException ? failure.getCause() : failure;
      throw new ClusterUnavailableException(
          "range " + task.index() + " of '" + task.name() + "' was lost: " + cause.getMessage(),
          cause);
    }
    if (result.hasError()) {
      if (result.getError().getCode() == ErrorCode.NOT_FOUND) {
        throw new FileChangedException(task.name(), task.sha256());
      }
      throw new ClusterUnavailableException(
          "range "
              + task.index()
              + " of '"
              + task.name()
              + "' could not be counted"
              + (result.getNodeId().isEmpty() ? "" : " on node " + result.getNodeId())
              + ": "
              + result.getError().getMessage(),
          null);
    }
    if (!result.hasCountRange()) {
      throw new ClusterUnavailableException(
          "node " + result.getNodeId() + " answered range " + task.index() + " without counts",
          null);
    }
    if (result.getAttempt() > 1) {
      LOG.fine(
          () ->
              "range "
                  + task.index()
                  + " of '"
                  + task.name()
                  + "' was counted by "
                  + result.getNodeId()
                  + " at attempt "
                  + result.getAttempt());
    }
    return CountRangeMessages.fromResult(task, result.getNodeId(), result.getCountRange());
  }
}
