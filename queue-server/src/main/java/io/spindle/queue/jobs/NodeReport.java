package io.spindle.queue.jobs;

import java.util.Objects;

/** What a node last said about its Raft state: enough to decide whether it may take leader jobs. */
public record NodeReport(String nodeId, NodeRole role, long term) {
  public NodeReport {
    Objects.requireNonNull(nodeId, "nodeId");
    Objects.requireNonNull(role, "role");
    if (nodeId.isEmpty()) {
      throw new IllegalArgumentException("a node report needs a node id");
    }
    if (term < 0) {
      throw new IllegalArgumentException("term must not be negative: " + term);
    }
  }
}
