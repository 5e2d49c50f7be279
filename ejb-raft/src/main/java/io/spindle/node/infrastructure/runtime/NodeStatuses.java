package io.spindle.node.infrastructure.runtime;

import io.spindle.node.application.NodeStatus;
import io.spindle.raft.Member;
import io.spindle.raft.NodeId;
import io.spindle.raft.server.RaftStatus;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** The driver's {@link RaftStatus} as the application's {@link NodeStatus}. */
final class NodeStatuses {
  private NodeStatuses() {}

  static NodeStatus of(RaftStatus status) {
    List<NodeStatus.Member> members = new ArrayList<>();
    status.configuration().voters().forEach(m -> members.add(member(status, m, true)));
    status.configuration().learners().forEach(m -> members.add(member(status, m, false)));
    return new NodeStatus(
        status.id().value(),
        NodeStatus.Role.valueOf(status.role().name()),
        status.term(),
        status.leader().map(NodeId::value),
        status.commitIndex(),
        status.appliedIndex(),
        status.lastIndex(),
        members,
        status.running());
  }

  /** A leader knows how much of its log each member stores (itself: all of it). */
  private static NodeStatus.Member member(RaftStatus status, Member m, boolean voter) {
    Optional<Long> match = Optional.empty();
    if (status.isLeader()) {
      match =
          m.id().equals(status.id())
              ? Optional.of(status.lastIndex())
              : Optional.ofNullable(status.matchIndex().get(m.id()));
    }
    return new NodeStatus.Member(m.id().value(), m.address(), voter, match);
  }
}
