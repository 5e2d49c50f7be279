package io.spindle.raft.server;

/**
 * The node cannot take the request now (too many requests outstanding, too many uncommitted bytes,
 * a leadership transfer or a membership change in progress); retry after a short back-off.
 */
public final class BusyException extends RaftException {
  private static final long serialVersionUID = 1L;

  public BusyException(String reason) {
    super("busy: " + reason + "; retry after a short back-off");
  }

  @Override
  public boolean certainlyNotApplied() {
    return true;
  }
}
