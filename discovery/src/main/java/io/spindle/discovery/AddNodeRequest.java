package io.spindle.discovery;

import java.net.URI;
import java.util.Objects;

/**
 * A node's announcement of itself, the body of the {@code Add_Node_Request} datagram.
 *
 * @param nodeId the node's id, 1 to 255 characters
 * @param raftAddress where the node's Raft transport listens
 * @param httpUrl the node's web page and REST API, an absolute http(s) URL
 * @param hasData whether the node already has Raft state (a member restarting) rather than being
 *     new to the cluster
 */
public record AddNodeRequest(String nodeId, HostPort raftAddress, URI httpUrl, boolean hasData) {

  public AddNodeRequest {
    NodeIds.requireNodeId("the node id", nodeId);
    Objects.requireNonNull(raftAddress, "raftAddress");
    NodeIds.requireHttpUrl("the node's http url", httpUrl);
  }
}
