package io.spindle.node.infrastructure.transport;

/**
 * A frame that is well-formed protobuf but not a valid Raft message: a missing node id, a negative
 * index, an unknown entry type... The connection it came on is closed with this message as the
 * logged reason.
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
