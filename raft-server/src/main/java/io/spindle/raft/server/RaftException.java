package io.spindle.raft.server;

/**
 * Why a request to a {@link RaftDriver} did not succeed. Each subclass says whether the request may
 * have taken effect, so the caller knows whether retrying is safe: {@link NotLeaderException},
 * {@link BusyException} and {@link LeadershipLostException} mean it certainly did not; {@link
 * OutcomeUnknownException} and {@link NodeStoppedException} mean it may have.
 */
public abstract class RaftException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  protected RaftException(String message) {
    super(message);
  }

  protected RaftException(String message, Throwable cause) {
    super(message, cause);
  }

  /** True when the request certainly had no effect, so it can be retried without duplicating it. */
  public abstract boolean certainlyNotApplied();
}
