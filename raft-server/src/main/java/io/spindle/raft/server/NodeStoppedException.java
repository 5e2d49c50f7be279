package io.spindle.raft.server;

import io.spindle.raft.NodeId;

/**
 * The Raft node stopped (it was closed, or a storage failure stopped it) before the request
 * completed. A request already proposed may still commit through the other nodes.
 */
public final class NodeStoppedException extends RaftException {
  private static final long serialVersionUID = 1L;

  public NodeStoppedException(NodeId node, String why, Throwable cause) {
    super("Raft node " + node + " " + why + "; send the request to another node", cause);
  }

  @Override
  public boolean certainlyNotApplied() {
    return false;
  }
}
