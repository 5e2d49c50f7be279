package io.spindle.web.api;

import io.spindle.node.domain.MemberAddress;
import io.spindle.node.infrastructure.runtime.NodeRuntime;
import io.spindle.raft.Configuration;
import io.spindle.raft.Member;
import io.spindle.raft.NodeId;
import io.spindle.raft.Role;
import io.spindle.raft.server.RaftStatus;
import jakarta.json.bind.annotation.JsonbNillable;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * {@code GET /api/cluster}: one node's view of its cluster, with its health: {@code ready} as its
 * readiness check says (it knows a leader and has applied its log), {@code queueConnected} whether
 * it takes work from a queue server (null if it is configured with none).
 */
@JsonbNillable
public record ClusterView(
    String nodeId,
    String role,
    long term,
    String leaderId,
    long commitIndex,
    long appliedIndex,
    long lastIndex,
    boolean ready,
    Boolean queueConnected,
    List<MemberView> members) {

  /**
   * A member of the current configuration; {@code httpUrl} is null if its address has none. {@code
   * matchIndex} (the highest index the leader knows it stores) and {@code progress} (e.g.
   * "12,345/20,000 (62%)" of the leader's last index) only when this node leads, else null: ask the
   * leader.
   */
  @JsonbNillable
  public record MemberView(
      String id,
      String raftAddress,
      boolean voter,
      String httpUrl,
      Long matchIndex,
      String progress) {
    static MemberView of(Member member, boolean voter, Long matchIndex, long leaderLastIndex) {
      String progress =
          matchIndex == null ? null : ClusterView.progress(matchIndex, leaderLastIndex);
      try {
        MemberAddress address = MemberAddress.parse(member.address());
        return new MemberView(
            member.id().value(),
            address.raftAddress(),
            voter,
            address.httpUrl().toString(),
            matchIndex,
            progress);
      } catch (IllegalArgumentException e) {
        return new MemberView(
            member.id().value(), member.address(), voter, null, matchIndex, progress);
      }
    }
  }

  public static ClusterView of(NodeRuntime node) {
    return of(node.status(), node.ready(), node.queueConnected().orElse(null));
  }

  public static ClusterView of(RaftStatus status, boolean ready, Boolean queueConnected) {
    Configuration configuration = status.configuration();
    List<MemberView> members = new ArrayList<>();
    configuration.voters().forEach(m -> members.add(member(status, m, true)));
    configuration.learners().forEach(m -> members.add(member(status, m, false)));
    return new ClusterView(
        status.id().value(),
        role(status.role()),
        status.term(),
        status.leader().map(NodeId::value).orElse(null),
        status.commitIndex(),
        status.appliedIndex(),
        status.lastIndex(),
        ready,
        queueConnected,
        members);
  }

  private static MemberView member(RaftStatus status, Member m, boolean voter) {
    Long match = null;
    if (status.isLeader()) {
      match = m.id().equals(status.id()) ? status.lastIndex() : status.matchIndex().get(m.id());
    }
    return MemberView.of(m, voter, match, status.lastIndex());
  }

  /** "12,345/20,000 (62%)": how much of the leader's log a member stores. */
  static String progress(long match, long leaderLastIndex) {
    long stored = Math.min(match, leaderLastIndex);
    long percent = leaderLastIndex == 0 ? 100 : stored * 100 / leaderLastIndex;
    return String.format(Locale.ROOT, "%,d/%,d (%d%%)", stored, leaderLastIndex, percent);
  }

  /** The API's four roles: a pre-candidate is a candidate that has not bumped its term yet. */
  static String role(Role role) {
    return role == Role.PRE_CANDIDATE ? Role.CANDIDATE.name() : role.name();
  }
}
