package io.spindle.node.infrastructure.raft;

import io.spindle.raft.Configuration;
import io.spindle.raft.NodeId;
import io.spindle.raft.Role;
import java.util.Optional;

/**
 * A consistent picture of one node, published by the driver after each loop iteration and before it
 * completes any future. Immutable; safe to read from any thread.
 *
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
    boolean running) {

  public boolean isLeader() {
    return running && role == Role.LEADER;
  }
}
