package io.spindle.node.application;

import io.spindle.protocol.queue.ErrorCode;

/** A global ping that could not be answered: {@link #code()} says why, the message what to do. */
public class GlobalPingException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final transient ErrorCode code;

  public GlobalPingException(ErrorCode code, String message) {
    super(message);
    this.code = code;
  }

  public ErrorCode code() {
    return code;
  }
}
