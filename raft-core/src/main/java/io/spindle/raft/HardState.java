package io.spindle.raft;

/**
 * What must be on stable storage before a node answers anyone (§5.1, Figure 2 "persistent state"):
 * the current term and the vote cast in it ({@code null} if none).
 */
public record HardState(long term, NodeId votedFor) {
  public static final HardState INITIAL = new HardState(0, null);

  public HardState {
    if (term < 0) {
      throw new IllegalArgumentException("negative term " + term);
    }
  }
}
