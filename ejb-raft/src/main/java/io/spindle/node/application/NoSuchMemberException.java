package io.spindle.node.application;

/** A renewal or leave named a member the group does not have; the message says which. */
public class NoSuchMemberException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public NoSuchMemberException(String message) {
    super(message);
  }
}
