package io.spindle.queue;

import io.spindle.discovery.EdgeList;
import io.spindle.discovery.EdgeMember;
import io.spindle.discovery.HostPort;
import io.spindle.queue.service.ReportedCluster;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.logging.Logger;

/** Turns the queue server's {@link ReportedCluster} into the {@link EdgeList} discovery answers. */
final class EdgeLists {
  private static final Logger LOG = Logger.getLogger(EdgeLists.class.getName());

  private EdgeLists() {}

  static EdgeList of(ReportedCluster view) {
    List<EdgeMember> members = new ArrayList<>();
    for (ReportedCluster.Member m : view.members()) {
      try {
        Optional<URI> http =
            m.httpUrl().isEmpty() ? Optional.empty() : Optional.of(URI.create(m.httpUrl()));
        members.add(new EdgeMember(m.nodeId(), HostPort.parse(m.raftAddress()), http, m.voter()));
      } catch (IllegalArgumentException e) {
        LOG.fine(() -> "member " + m.nodeId() + " left out of the edge list: " + e.getMessage());
      }
    }
    Optional<String> leader =
        view.leaderId().filter(id -> members.stream().anyMatch(m -> m.nodeId().equals(id)));
    return new EdgeList(
        HostPort.parse(view.queueServerAddress()), view.clusterId(), members, leader);
  }
}
