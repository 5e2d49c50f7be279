package io.spindle.web.api;

import io.spindle.node.application.NodeFacade;
import io.spindle.node.application.NodeStatus;
import io.spindle.node.application.QueueServerStatus;
import io.spindle.node.domain.MemberAddress;
import jakarta.json.bind.annotation.JsonbNillable;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * {@code GET /api/cluster}: one node's view of its cluster, with its health: {@code ready} as its
 * readiness check says (it knows a leader and has applied its log), {@code queueConnected} whether
 * it takes work from at least one queue server (null if it knows of none), and {@code queueServers}
 * every queue server it links to, with its state and queue depths.
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
    List<MemberView> members,
    List<QueueServerView> queueServers) {

  /**
   * A queue server this node links to: whether the link is connected now, and the jobs waiting in
   * its leader and shared queues as it last told this node (null while unknown).
   */
  @JsonbNillable
  public record QueueServerView(
      String address, boolean connected, Long leaderQueue, Long sharedQueue) {
    static QueueServerView of(QueueServerStatus q) {
      return new QueueServerView(
          q.address(),
          q.connected(),
          q.waiting("leader").orElse(null),
          q.waiting("shared").orElse(null));
    }
  }

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
    static MemberView of(NodeStatus.Member member, long leaderLastIndex) {
      Long matchIndex = member.matchIndex().orElse(null);
      String progress =
          matchIndex == null ? null : ClusterView.progress(matchIndex, leaderLastIndex);
      try {
        MemberAddress address = MemberAddress.parse(member.address());
        return new MemberView(
            member.id(),
            address.raftAddress(),
            member.voter(),
            address.httpUrl().toString(),
            matchIndex,
            progress);
      } catch (IllegalArgumentException e) {
        return new MemberView(
            member.id(), member.address(), member.voter(), null, matchIndex, progress);
      }
    }
  }

  public static ClusterView of(NodeFacade node) {
    return of(node.status(), node.ready(), node.queueConnected().orElse(null), node.queueServers());
  }

  public static ClusterView of(
      NodeStatus status,
      boolean ready,
      Boolean queueConnected,
      List<QueueServerStatus> queueServers) {
    List<MemberView> members = new ArrayList<>();
    status.members().forEach(m -> members.add(MemberView.of(m, status.lastIndex())));
    return new ClusterView(
        status.nodeId(),
        role(status.role()),
        status.term(),
        status.leaderId().orElse(null),
        status.commitIndex(),
        status.appliedIndex(),
        status.lastIndex(),
        ready,
        queueConnected,
        members,
        queueServers.stream().map(QueueServerView::of).toList());
  }

  /** "12,345/20,000 (62%)": how much of the leader's log a member stores. */
  static String progress(long match, long leaderLastIndex) {
    long stored = Math.min(match, leaderLastIndex);
    long percent = leaderLastIndex == 0 ? 100 : stored * 100 / leaderLastIndex;
    return String.format(Locale.ROOT, "%,d/%,d (%d%%)", stored, leaderLastIndex, percent);
  }

  /** The API's four roles: a pre-candidate is a candidate that has not bumped its term yet. */
  static String role(NodeStatus.Role role) {
    return role == NodeStatus.Role.PRE_CANDIDATE ? NodeStatus.Role.CANDIDATE.name() : role.name();
  }
}
