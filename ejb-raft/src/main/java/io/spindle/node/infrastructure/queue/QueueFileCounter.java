package io.spindle.node.infrastructure.queue;

import io.spindle.node.application.ClusterUnavailableException;
import io.spindle.node.application.CountResult;
import io.spindle.node.application.CountService;
import io.spindle.node.application.FileCounter;
import io.spindle.node.domain.FileName;
import io.spindle.node.domain.count.WcLocale;
import io.spindle.protocol.queue.Count;
import io.spindle.protocol.queue.ErrorCode;
import io.spindle.protocol.queue.Task;
import io.spindle.protocol.queue.TaskResult;
import java.io.IOException;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import java.util.logging.Logger;

/**
 * A count asked of this node (its REST API or page) goes where a client's count goes: to the shared
 * queue, as a {@link Count} task, and whichever node takes it coordinates it ({@link
 * LocalJobRunner}), sharing its ranges out. So the queue server's last answer to the same count is
 * reused by every node, and this node's answer is kept for the next one, as for the CLI.
 *
 * <p>Without a queue server connection, or if it closes before the answer, the count is coordinated
 * here ({@link CountService}): a count only reads, so doing it again loses nothing.
 *
 * <p><b>Threading:</b> thread-safe; {@link #count} blocks until the answer or the count timeout.
 * <b>Errors:</b> {@link ClusterUnavailableException} when the queue server or the nodes cannot
 * count it now (a full queue, no node took it, it failed on node after node, the timeout).
 */
public final class QueueFileCounter implements FileCounter {
  private static final Logger LOG = Logger.getLogger(QueueFileCounter.class.getName());

  private final CountService here;
  private final Supplier<Optional<TaskSubmitter>> queue;
  private final LongSupplier nanoTime;

  /**
   * @param here counts on this node when there is no queue to send the count to
   * @param queue the queue connection, if there is one now
   */
  public QueueFileCounter(
      CountService here, Supplier<Optional<TaskSubmitter>> queue, LongSupplier nanoTime) {
    this.here = Objects.requireNonNull(here, "here");
    this.queue = Objects.requireNonNull(queue, "queue");
    this.nanoTime = Objects.requireNonNull(nanoTime, "nanoTime");
  }

  @Override
  public Optional<CountResult> count(FileName name, WcLocale locale, int top) {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(locale, "locale");
    CountService.requireTop(top);
    Optional<TaskSubmitter> submitter = queue.get().filter(TaskSubmitter::connected);
    if (submitter.isEmpty()) {
      return here.count(name, locale, top);
    }
    long started = nanoTime.getAsLong();
    CompletableFuture<TaskResult> sent =
        submitter
            .get()
            .submit(
                Task.newBuilder()
                    .setCount(
                        Count.newBuilder()
                            .setName(name.value())
                            .setLocale(CountRangeMessages.localeName(locale))
                            .setTopWords(top)));
    TaskResult result;
    try {
      result = sent.get(here.settings().timeout().toNanos(), TimeUnit.NANOSECONDS);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof IOException lost) {
        LOG.fine(() -> "counting '" + name + "' here: " + lost.getMessage());
        return here.count(name, locale, top);
      }
      throw new ClusterUnavailableException(
          "the count of '" + name + "' failed: " + e.getCause(), e.getCause());
    } catch (TimeoutException e) {
      sent.cancel(false);
      throw new ClusterUnavailableException(
          "the count of '"
              + name
              + "' did not finish within "
              + here.settings().timeout().toSeconds()
              + " s; retry later",
          e);
    } catch (InterruptedException e) {
      sent.cancel(false);
      Thread.currentThread().interrupt();
      throw new ClusterUnavailableException("interrupted while counting '" + name + "'", e);
    }
    return answer(name, result, Duration.ofNanos(nanoTime.getAsLong() - started));
  }

  private static Optional<CountResult> answer(FileName name, TaskResult result, Duration elapsed) {
    if (result.hasError()) {
      if (result.getError().getCode() == ErrorCode.NOT_FOUND) {
        return Optional.empty();
      }
      throw new ClusterUnavailableException(
          "the count of '"
              + name
              + "' could not be done"
              + (result.getNodeId().isEmpty() ? "" : " on node " + result.getNodeId())
              + ": "
              + result.getError().getMessage(),
          null);
    }
    if (!result.hasCount()) {
      throw new ClusterUnavailableException(
          "node " + result.getNodeId() + " answered the count of '" + name + "' without counts",
          null);
    }
    try {
      return Optional.of(CountMessages.fromMessage(result.getCount(), elapsed));
    } catch (IllegalArgumentException e) {
      throw new ClusterUnavailableException(
          "node "
              + result.getNodeId()
              + " answered the count of '"
              + name
              + "' with a message this node cannot read ("
              + e.getMessage()
              + "); are the nodes of one version?",
          e);
    }
  }
}
