package io.spindle.raft;

import java.util.Optional;

/**
 * What became of a proposal. {@link Accepted} is not yet a commit: the caller waits until the entry
 * at {@code index} is applied and checks that its term is {@code term}; a different term there
 * means leadership was lost and the proposal dropped.
 */
public sealed interface ProposeResult {
  record Accepted(long index, long term) implements ProposeResult {}

  /** This node is not the leader; {@code leaderHint} is the leader it knows of, to redirect to. */
  record NotLeader(Optional<NodeId> leaderHint) implements ProposeResult {}

  /** The leader cannot take it now (transfer in progress, too much uncommitted, change pending). */
  record Rejected(String reason) implements ProposeResult {}
}
