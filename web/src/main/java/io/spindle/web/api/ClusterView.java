package io.spindle.web.api;

import io.spindle.node.domain.MemberAddress;
import io.spindle.node.infrastructure.raft.RaftStatus;
import io.spindle.raft.Configuration;
import io.spindle.raft.Member;
import io.spindle.raft.NodeId;
import io.spindle.raft.Role;
import jakarta.json.bind.annotation.JsonbNillable;
import java.util.ArrayList;
import java.util.List;

/** {@code GET /api/cluster}: one node's view of its cluster. */
@JsonbNillable
public record ClusterView(
    String nodeId,
    String role,
    long term,
    String leaderId,
    long commitIndex,
    long appliedIndex,
    List<MemberView> members) {

  /** A member of the current configuration; {@code httpUrl} is null if its address has none. */
  @JsonbNillable
  public record MemberView(String id, boolean voter, String raftAddress, String httpUrl) {
    static MemberView of(Member member, boolean voter) {
      try {
        MemberAddress address = MemberAddress.parse(member.address());
        return new MemberView(
            member.id().value(), voter, address.raftAddress(), address.httpUrl().toString());
      } catch (IllegalArgumentException e) {
        return new MemberView(member.id().value(), voter, member.address(), null);
      }
    }
  }

  public static ClusterView of(RaftStatus status) {
    Configuration configuration = status.configuration();
    List<MemberView> members = new ArrayList<>();
    configuration.voters().forEach(m -> members.add(MemberView.of(m, true)));
    configuration.learners().forEach(m -> members.add(MemberView.of(m, false)));
    return new ClusterView(
        status.id().value(),
        role(status.role()),
        status.term(),
        status.leader().map(NodeId::value).orElse(null),
        status.commitIndex(),
        status.appliedIndex(),
        members);
  }

  /** The API's four roles: a pre-candidate is a candidate that has not bumped its term yet. */
  static String role(Role role) {
    return role == Role.PRE_CANDIDATE ? Role.CANDIDATE.name() : role.name();
  }
}
