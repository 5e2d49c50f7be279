package io.spindle.queue.service;

import io.spindle.protocol.queue.Member;
import io.spindle.protocol.queue.NodeStatus;
import io.spindle.protocol.queue.NodeView;
import io.spindle.protocol.queue.StatusResult;
import io.spindle.queue.jobs.NodeRole;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.ToIntFunction;

/**
 * The nodes this queue server has heard from: each one's last reported status, when it was last
 * heard, and its open connections. From it come the status view and the {@link ReportedCluster}.
 *
 * <p>Not thread-safe: the queue service's core thread owns it.
 */
final class NodeDirectory {
  private static final class NodeState {
    NodeStatus status;
    long lastSeenMillis;
    final Set<Long> connections = new LinkedHashSet<>();
  }

  private final InstantSource clock;
  private final Map<String, NodeState> nodes = new TreeMap<>();

  NodeDirectory(InstantSource clock) {
    this.clock = clock;
  }

  void connected(String nodeId, long connection) {
    NodeState s = nodes.computeIfAbsent(nodeId, id -> new NodeState());
    s.connections.add(connection);
    s.lastSeenMillis = clock.millis();
  }

  void closed(String nodeId, long connection) {
    NodeState s = nodes.get(nodeId);
    if (s != null) {
      s.connections.remove(connection);
    }
  }

  /**
   * Records a node's report; the node id is the authenticated one, whatever the status says.
   * Returns whether it changes the cluster view (role, term, addresses or members).
   */
  boolean report(String nodeId, NodeStatus status) {
    NodeState s = nodes.computeIfAbsent(nodeId, id -> new NodeState());
    NodeStatus before = s.status;
    s.status =
        status.getNodeId().equals(nodeId) ? status : status.toBuilder().setNodeId(nodeId).build();
    s.lastSeenMillis = clock.millis();
    return before == null
        || before.getRole() != status.getRole()
        || before.getTerm() != status.getTerm()
        || !before.getRaftAddress().equals(status.getRaftAddress())
        || !before.getHttpUrl().equals(status.getHttpUrl())
        || !before.getMembersList().equals(status.getMembersList());
  }

  /** The latest report of {@code nodeId}, if it sent one. */
  Optional<NodeStatus> statusOf(String nodeId) {
    NodeState s = nodes.get(nodeId);
    return s == null ? Optional.empty() : Optional.ofNullable(s.status);
  }

  void touch(String nodeId) {
    NodeState s = nodes.get(nodeId);
    if (s != null) {
      s.lastSeenMillis = clock.millis();
    }
  }

  /** A connected node whose last report says its disk is below its watermark, if any. */
  Optional<NodeStatus> lowOnStorage() {
    return nodes.values().stream()
        .filter(n -> !n.connections.isEmpty() && n.status != null && n.status.getLowOnStorage())
        .map(n -> n.status)
        .findFirst();
  }

  /** Nodes with at least one open connection. */
  int connectedCount() {
    return (int) nodes.values().stream().filter(n -> !n.connections.isEmpty()).count();
  }

  boolean anyConnected() {
    return nodes.values().stream().anyMatch(n -> !n.connections.isEmpty());
  }

  /**
   * The cluster view: the members the newest-term leader reported (else the highest-term node that
   * reported members); if none did, the nodes seen, each as it described itself.
   */
  ReportedCluster view(String address, String clusterId, long term, Optional<String> leaderId) {
    NodeStatus best = null;
    for (NodeState s : nodes.values()) {
      if (s.status == null || s.status.getMembersCount() == 0) {
        continue;
      }
      if (best == null
          || s.status.getTerm() > best.getTerm()
          || (s.status.getTerm() == best.getTerm() && role(s.status) == NodeRole.LEADER)) {
        best = s.status;
      }
    }
    List<ReportedCluster.Member> members = new ArrayList<>();
    if (best != null) {
      for (Member m : best.getMembersList()) {
        members.add(
            new ReportedCluster.Member(
                m.getNodeId(), m.getRaftAddress(), m.getHttpUrl(), m.getVoter()));
      }
    } else {
      for (NodeState s : nodes.values()) {
        if (s.status != null) {
          members.add(
              new ReportedCluster.Member(
                  s.status.getNodeId(),
                  s.status.getRaftAddress(),
                  s.status.getHttpUrl(),
                  role(s.status) != NodeRole.LEARNER));
        }
      }
    }
    return new ReportedCluster(address, clusterId, term, leaderId, members);
  }

  /** Adds a NodeView per node to a status answer. */
  void addTo(StatusResult.Builder b, ToIntFunction<String> leasedJobs) {
    long now = clock.millis();
    for (Map.Entry<String, NodeState> e : nodes.entrySet()) {
      NodeState s = e.getValue();
      NodeStatus status =
          s.status != null ? s.status : NodeStatus.newBuilder().setNodeId(e.getKey()).build();
      b.addNodes(
          NodeView.newBuilder()
              .setStatus(status)
              .setLastSeenMsAgo(Math.max(0, now - s.lastSeenMillis))
              .setConnected(!s.connections.isEmpty())
              .setLeasedJobs(leasedJobs.applyAsInt(e.getKey())));
    }
  }

  static NodeRole role(NodeStatus status) {
    return switch (status.getRole()) {
      case FOLLOWER -> NodeRole.FOLLOWER;
      case CANDIDATE -> NodeRole.CANDIDATE;
      case LEADER -> NodeRole.LEADER;
      case LEARNER -> NodeRole.LEARNER;
      default -> NodeRole.UNKNOWN;
    };
  }
}
