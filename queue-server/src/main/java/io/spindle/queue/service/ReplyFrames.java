package io.spindle.queue.service;

import io.spindle.protocol.queue.ErrorCode;
import io.spindle.protocol.queue.QueueError;
import io.spindle.protocol.queue.QueueFrame;
import io.spindle.protocol.queue.Reply;

/** Builders of the replies, errors and reply frames the service sends most. */
final class ReplyFrames {
  private ReplyFrames() {}

  static QueueError error(ErrorCode code, String message) {
    return QueueError.newBuilder().setCode(code).setMessage(message).build();
  }

  static QueueError error(ErrorCode code, String message, long retryAfterMillis) {
    return QueueError.newBuilder()
        .setCode(code)
        .setMessage(message)
        .setRetryAfterMs((int) Math.min(Integer.MAX_VALUE, retryAfterMillis))
        .build();
  }

  static Reply errorReply(String requestId, QueueError error) {
    return Reply.newBuilder().setRequestId(requestId).setError(error).build();
  }

  static QueueFrame frame(Reply reply) {
    return QueueFrame.newBuilder().setReply(reply).build();
  }

  /** BUSY: nothing was done; the client retries after a short pause. */
  static QueueError busy(String why) {
    return error(ErrorCode.BUSY, "busy: " + why + "; retry shortly", 250);
  }

  static QueueError reusedRequestId(String rid) {
    return error(
        ErrorCode.INVALID_ARGUMENT,
        "request id "
            + rid
            + " was already used for another request; a retry must repeat the request exactly,"
            + " a new request needs a new id");
  }
}
