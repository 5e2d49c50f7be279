package io.spindle.raft.server.transport;

import io.spindle.raft.NodeId;
import java.net.SocketAddress;
import java.util.Objects;

/**
 * An authenticated connection: who is at the other end and who dialled.
 *
 * @param remoteNode the remote node's id, or null when the remote is a client
 * @param initiatedHere whether this side dialled
 * @param remoteAddress where the remote is, for log lines
 */
record Session(NodeId remoteNode, boolean initiatedHere, SocketAddress remoteAddress) {
  Session {
    Objects.requireNonNull(remoteAddress, "remoteAddress");
  }

  boolean isClient() {
    return remoteNode == null;
  }

  @Override
  public String toString() {
    return (isClient() ? "client" : "peer " + remoteNode) + " at " + remoteAddress;
  }
}
