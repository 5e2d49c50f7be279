package io.spindle.node.domain.group;

/** A group name, member id or join request broke a rule; the message says which. */
public class InvalidGroupRequestException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  public InvalidGroupRequestException(String message) {
    super(message);
  }
}
