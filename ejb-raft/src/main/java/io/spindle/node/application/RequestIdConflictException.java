package io.spindle.node.application;

/**
 * A request id (a REST Idempotency-Key, a client's request id) was already applied to another
 * request: another operation, another name or other content. Nothing was done; the request must be
 * sent again with a new id. Never answered with the other request's result, whose client would
 * think this one done.
 */
public class RequestIdConflictException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public RequestIdConflictException(String message) {
    super(message);
  }
}
