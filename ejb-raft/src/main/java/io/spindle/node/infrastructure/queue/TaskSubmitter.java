package io.spindle.node.infrastructure.queue;

import io.spindle.protocol.queue.Task;
import io.spindle.protocol.queue.TaskResult;
import java.util.concurrent.CompletableFuture;

/**
 * Shares work out through the queue server's shared queue ({@link QueueWorker} implements it).
 *
 * <p><b>Threading:</b> any thread; never blocks. <b>Errors:</b> the future fails with an {@link
 * java.io.IOException} when there is no queue server connection or it closes before the result.
 */
public interface TaskSubmitter {
  /** Queues {@code task} (its task id is set here); completes with its result. */
  CompletableFuture<TaskResult> submit(Task.Builder task);

  /** Whether tasks can be submitted now. */
  boolean connected();
}
