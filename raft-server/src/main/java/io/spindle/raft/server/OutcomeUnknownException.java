package io.spindle.raft.server;

/**
 * The request was accepted but its fate is not known here (it timed out, or a snapshot from a new
 * leader replaced the log around it): it may or may not have applied. Retry only if the command is
 * idempotent, or check its effect first.
 */
public final class OutcomeUnknownException extends RaftException {
  private static final long serialVersionUID = 1L;

  public OutcomeUnknownException(String message) {
    super(message);
  }

  @Override
  public boolean certainlyNotApplied() {
    return false;
  }
}
