package io.spindle.raft.server;

import io.spindle.raft.Configuration;
import io.spindle.raft.NodeId;
import io.spindle.raft.Role;
import java.util.Map;
import java.util.Optional;

/**
 * A consistent picture of one node, published by the driver after each loop iteration and before it
 * completes any future. Immutable; safe to read from any thread.
 *
 * @param configurationIndex the index of the entry that carried {@code configuration}: it is
 *     committed once {@code commitIndex} reaches it
 * @param matchIndex on a leader, the highest index known to be stored on each other member (its
 *     catch-up progress); empty on other nodes. Refreshed at most every few hundred milliseconds
 * @param running false once the node has stopped (closed or failed)
 */
public record RaftStatus(
    NodeId id,
    Role role,
    long term,
    Optional<NodeId> leader,
    long commitIndex,
    long appliedIndex,
    long lastIndex,
    Configuration configuration,
    long configurationIndex,
    Map<NodeId, Long> matchIndex,
    boolean running) {

  public RaftStatus {
    matchIndex = Map.copyOf(matchIndex);
  }

  /** Whether {@code configuration} is committed (as far as this node knows). */
  public boolean configurationCommitted() {
    return commitIndex >= configurationIndex;
  }

  public boolean isLeader() {
    return running && role == Role.LEADER;
  }
}
