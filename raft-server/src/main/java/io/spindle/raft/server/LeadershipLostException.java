package io.spindle.raft.server;

/**
 * The leader that accepted a proposal lost its leadership before the proposal committed, and
 * another entry committed at its index: the proposal was dropped and will never apply. Retry it at
 * the new leader.
 */
public final class LeadershipLostException extends RaftException {
  private static final long serialVersionUID = 1L;

  public LeadershipLostException(long index, long proposedTerm, long committedTerm) {
    super(
        "leadership lost, retry: the proposal at index "
            + index
            + " (term "
            + proposedTerm
            + ") was replaced by an entry of term "
            + committedTerm);
  }

  @Override
  public boolean certainlyNotApplied() {
    return true;
  }
}
