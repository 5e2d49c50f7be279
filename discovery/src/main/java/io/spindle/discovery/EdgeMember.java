package io.spindle.discovery;

import java.net.URI;
import java.util.Objects;
import java.util.Optional;

/**
 * One cluster member in an {@link EdgeList}.
 *
 * @param nodeId the member's id, 1 to 255 characters
 * @param raftAddress where the member's Raft transport listens
 * @param httpUrl the member's web page and REST API, if the queue server knows it
 * @param voter whether the member votes; false for a learner still catching up
 */
public record EdgeMember(
    String nodeId, HostPort raftAddress, Optional<URI> httpUrl, boolean voter) {

  public EdgeMember {
    NodeIds.requireNodeId("a member's node id", nodeId);
    Objects.requireNonNull(raftAddress, "raftAddress");
    Objects.requireNonNull(httpUrl, "httpUrl");
    httpUrl.ifPresent(url -> NodeIds.requireHttpUrl("the http url of member " + nodeId, url));
  }
}
