package io.spindle.node.application;

/** A leadership transfer named a node that is not a voter of the cluster (a 400 on the API). */
public class NotAVoterException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  public NotAVoterException(String message) {
    super(message);
  }
}
