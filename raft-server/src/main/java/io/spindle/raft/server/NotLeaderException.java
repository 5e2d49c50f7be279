package io.spindle.raft.server;

import io.spindle.raft.NodeId;
import java.util.Optional;

/** This node is not the leader; retry at {@link #leaderHint()} when present, else a bit later. */
public final class NotLeaderException extends RaftException {
  private static final long serialVersionUID = 1L;

  private final transient NodeId leaderHint;

  public NotLeaderException(NodeId self, Optional<NodeId> leaderHint) {
    super(
        "node "
            + self
            + " is not the leader; "
            + leaderHint
                .map(l -> "send the request to " + l)
                .orElse("no leader is known yet: retry after an election timeout"));
    this.leaderHint = leaderHint.orElse(null);
  }

  /** The leader this node knows of, if any. */
  public Optional<NodeId> leaderHint() {
    return Optional.ofNullable(leaderHint);
  }

  @Override
  public boolean certainlyNotApplied() {
    return true;
  }
}
