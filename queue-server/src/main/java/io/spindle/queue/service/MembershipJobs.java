package io.spindle.queue.service;

import io.spindle.protocol.queue.Job;
import io.spindle.protocol.queue.JoinJob;
import io.spindle.protocol.queue.LeaveJob;
import java.util.Optional;
import java.util.logging.Logger;

/**
 * The membership jobs the queue server queues itself for the leader: a JOIN when a node that is not
 * a member (or is one at another address) announces itself, a LEAVE when a member reports it is
 * leaving; at most one of each per node id at a time, and no client waits for them.
 *
 * <p><b>Threading:</b> owned by {@link QueueService} and called from its core thread only; not
 * thread-safe.
 */
final class MembershipJobs {
  // Logs as the queue service did before this class was split out of it.
  private static final Logger LOG = Logger.getLogger(QueueService.class.getName());

  private final InFlightJobs inFlight;
  private final StatusViews views;

  MembershipJobs(InFlightJobs inFlight, StatusViews views) {
    this.inFlight = inFlight;
    this.views = views;
  }

  /** The request id of the one JOIN job a node may have outstanding. */
  static String joinRequestId(String nodeId) {
    return "join:" + nodeId;
  }

  /** The request id of the one LEAVE job a node may have outstanding. */
  static String leaveRequestId(String nodeId) {
    return "leave:" + nodeId;
  }

  private boolean isMember(String nodeId) {
    return views.reportedCluster().members().stream().anyMatch(m -> m.nodeId().equals(nodeId));
  }

  /** A node announced itself: a JOIN unless it is a member at the same addresses already. */
  void onJoin(String nodeId, String raftAddress, String httpUrl) {
    Optional<ReportedCluster.Member> member =
        views.reportedCluster().members().stream()
            .filter(m -> m.nodeId().equals(nodeId))
            .findFirst();
    if (member.isPresent()
        && member.get().raftAddress().equals(raftAddress)
        && member.get().httpUrl().equals(httpUrl)) {
      LOG.fine(() -> nodeId + " announced itself but is a member already; no join queued");
      return;
    }
    // A member at another address (it restarted elsewhere): the leader gives it the new one.
    Job.Builder job =
        Job.newBuilder()
            .setJoin(
                JoinJob.newBuilder()
                    .setNodeId(nodeId)
                    .setRaftAddress(raftAddress)
                    .setHttpUrl(httpUrl));
    if (inFlight.submitInternal(joinRequestId(nodeId), "join", job)) {
      LOG.info(
          () ->
              "node "
                  + nodeId
                  + " (Raft "
                  + raftAddress
                  + ", web "
                  + httpUrl
                  + ") "
                  + (member.isPresent()
                      ? "is a member at a new address: its readdress is queued for the leader"
                      : "asks to join: queued for the leader"));
    }
  }

  /** A node's status says it is leaving: a LEAVE if it is a member. */
  void onLeaving(String nodeId) {
    if (!isMember(nodeId)) {
      return;
    }
    if (inFlight.submitInternal(
        leaveRequestId(nodeId),
        "leave",
        Job.newBuilder().setLeave(LeaveJob.newBuilder().setNodeId(nodeId)))) {
      LOG.info(() -> "node " + nodeId + " is leaving: its removal is queued for the leader");
    }
  }
}
