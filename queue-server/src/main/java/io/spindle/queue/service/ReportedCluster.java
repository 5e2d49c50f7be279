package io.spindle.queue.service;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The cluster as the queue server knows it from its nodes' reports: what a discovery server hands a
 * joining node (the edge list). Immutable.
 *
 * @param queueServerAddress host:port of this queue server, as clients and nodes reach it
 * @param clusterId the cluster's id
 * @param term the highest Raft term any node reported
 * @param leaderId the node that reported LEADER at that term, if any
 * @param members the Raft configuration the leader (else the highest-term node) last reported; if
 *     no node reported one, the nodes seen, each as it described itself
 */
public record ReportedCluster(
    String queueServerAddress,
    String clusterId,
    long term,
    Optional<String> leaderId,
    List<Member> members) {
  public ReportedCluster {
    Objects.requireNonNull(queueServerAddress, "queueServerAddress");
    Objects.requireNonNull(clusterId, "clusterId");
    Objects.requireNonNull(leaderId, "leaderId");
    members = List.copyOf(members);
  }

  /**
   * One member.
   *
   * @param raftAddress host:port of its Raft port
   * @param httpUrl base URL of its web interface
   * @param voter whether it votes (false for a learner)
   */
  public record Member(String nodeId, String raftAddress, String httpUrl, boolean voter) {
    public Member {
      Objects.requireNonNull(nodeId, "nodeId");
      Objects.requireNonNull(raftAddress, "raftAddress");
      Objects.requireNonNull(httpUrl, "httpUrl");
    }
  }
}
