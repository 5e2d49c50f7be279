package io.spindle.node.infrastructure.queue;

import io.spindle.node.domain.FileName;
import io.spindle.protocol.queue.ErrorCode;
import io.spindle.protocol.queue.JobResult;
import io.spindle.protocol.queue.QueueError;

/**
 * A job's result that is an error its client sees: the code and a message that says what to do.
 *
 * <p><b>Threading:</b> stateless; any thread.
 */
final class FailedJobResult {
  private FailedJobResult() {}

  static JobResult.Builder notFound(FileName name) {
    return of(ErrorCode.NOT_FOUND, "there is no file named '" + name + "'");
  }

  static JobResult.Builder of(ErrorCode code, String message) {
    return JobResult.newBuilder()
        .setError(QueueError.newBuilder().setCode(code).setMessage(message));
  }
}
