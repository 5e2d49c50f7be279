package io.spindle.node.application;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One node's view of its cluster, in the application's terms: what the page, the REST API, the
 * health checks and the metrics show. Immutable; a snapshot of the node's Raft status.
 *
 * @param role what the node does now
 * @param leaderId the leader this node knows of, if any
 * @param members the current configuration: voters first, then learners
 * @param running false once the node has stopped (closed or failed)
 */
public record NodeStatus(
    String nodeId,
    Role role,
    long term,
    Optional<String> leaderId,
    long commitIndex,
    long appliedIndex,
    long lastIndex,
    List<Member> members,
    boolean running) {

  /** A node's role. A pre-candidate is a candidate that has not bumped its term yet. */
  public enum Role {
    FOLLOWER,
    PRE_CANDIDATE,
    CANDIDATE,
    LEADER,
    LEARNER
  }

  /**
   * A member of the configuration.
   *
   * @param address its member address ({@code raft host:port} and http URL, see {@code
   *     MemberAddress})
   * @param matchIndex the highest index the leader knows it stores; only when this node leads
   */
  public record Member(String id, String address, boolean voter, Optional<Long> matchIndex) {
    public Member {
      Objects.requireNonNull(id, "id");
      Objects.requireNonNull(address, "address");
      Objects.requireNonNull(matchIndex, "matchIndex");
    }
  }

  public NodeStatus {
    Objects.requireNonNull(nodeId, "nodeId");
    Objects.requireNonNull(role, "role");
    Objects.requireNonNull(leaderId, "leaderId");
    members = List.copyOf(members);
  }

  public boolean isLeader() {
    return running && role == Role.LEADER;
  }
}
