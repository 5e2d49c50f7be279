package io.spindle.discovery;

import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The cluster's edges as the discovery server tells a new node: where the queue server is, who the
 * members are and who leads.
 *
 * @param queueServer the queue server's address (its TCP port for nodes and clients)
 * @param clusterId the cluster's id
 * @param members the current members, each id once; empty while the cluster has not formed
 * @param leaderId the current leader's id, if known
 */
public record EdgeList(
    HostPort queueServer, String clusterId, List<EdgeMember> members, Optional<String> leaderId) {

  public EdgeList {
    Objects.requireNonNull(queueServer, "queueServer");
    DiscoverySettings.requireClusterId(clusterId);
    members = List.copyOf(members);
    Objects.requireNonNull(leaderId, "leaderId");
    leaderId.ifPresent(id -> NodeIds.requireNodeId("the leader id", id));
    Set<String> ids = new HashSet<>();
    for (EdgeMember member : members) {
      if (!ids.add(member.nodeId())) {
        throw new IllegalArgumentException(
            "the edge list names member " + member.nodeId() + " twice");
      }
    }
  }

  /** The leader's entry, if the leader is known and among the members. */
  public Optional<EdgeMember> leader() {
    return leaderId.flatMap(
        id -> members.stream().filter(member -> member.nodeId().equals(id)).findFirst());
  }
}
