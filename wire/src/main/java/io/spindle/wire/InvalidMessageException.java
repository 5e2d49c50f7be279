package io.spindle.wire;

/**
 * A frame that is well-formed protobuf but not a valid message of its protocol (a Raft message with
 * a missing node id, a negative index, an unknown entry type...). The connection it came on is
 * closed with this message as the logged reason ({@link ConnectionErrors#log}).
 */
public final class InvalidMessageException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  public InvalidMessageException(String message) {
    super(message);
  }

  public InvalidMessageException(String message, Throwable cause) {
    super(message, cause);
  }
}
