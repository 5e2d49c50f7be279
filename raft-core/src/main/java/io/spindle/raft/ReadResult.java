package io.spindle.raft;

import java.util.Optional;

/**
 * The outcome of {@link RaftNode#readIndex(long)}: when {@code ok}, a read that observes the state
 * machine once it has applied {@code index} is linearizable (thesis §6.4). Otherwise the read must
 * be retried, at {@code leaderHint} if known.
 */
public record ReadResult(long requestId, boolean ok, long index, Optional<NodeId> leaderHint) {
  public static ReadResult ok(long requestId, long index) {
    return new ReadResult(requestId, true, index, Optional.empty());
  }

  public static ReadResult failed(long requestId, Optional<NodeId> leaderHint) {
    return new ReadResult(requestId, false, -1, leaderHint);
  }
}
