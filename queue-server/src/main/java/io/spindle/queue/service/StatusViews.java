package io.spindle.queue.service;

import io.spindle.protocol.queue.Job;
import io.spindle.protocol.queue.LeaseView;
import io.spindle.protocol.queue.Member;
import io.spindle.protocol.queue.NodeStatus;
import io.spindle.protocol.queue.QueueView;
import io.spindle.protocol.queue.StatusResult;
import io.spindle.queue.jobs.JobQueues;
import io.spindle.queue.jobs.QueueKind;
import io.spindle.queue.spool.ChunkSpool;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What the queue server shows of its state: the {@link ReportedCluster} discovery hands out, the
 * answer to a Status request, and each queue's depth for the nodes' renewals.
 *
 * <p><b>Threading:</b> owned by {@link QueueService} and called from its core thread only, except
 * {@link #reportedCluster()}, which any thread may read (it never blocks).
 */
final class StatusViews {
  private final ServiceSettings config;
  private final ChunkSpool spool;
  private final JobQueues<Job> queues;
  private final NodeDirectory nodes;
  private final DeadLetters deadLetters;

  private volatile ReportedCluster reportedCluster;

  StatusViews(
      ServiceSettings config,
      ChunkSpool spool,
      JobQueues<Job> queues,
      NodeDirectory nodes,
      DeadLetters deadLetters) {
    this.config = config;
    this.spool = spool;
    this.queues = queues;
    this.nodes = nodes;
    this.deadLetters = deadLetters;
    this.reportedCluster =
        new ReportedCluster(
            config.advertisedAddress(), config.clusterId(), 0, Optional.empty(), List.of());
  }

  /** The cluster as the nodes last reported it. Any thread; never blocks. */
  ReportedCluster reportedCluster() {
    return reportedCluster;
  }

  void refreshClusterView() {
    reportedCluster =
        nodes.view(
            config.advertisedAddress(),
            config.clusterId(),
            queues.highestTerm(),
            queues.leaderId());
  }

  /** Each queue's depth, capacity and leased jobs. */
  List<QueueView> queueViews() {
    List<QueueView> views = new ArrayList<>();
    for (QueueKind q : QueueKind.values()) {
      views.add(
          QueueView.newBuilder()
              .setName(q.label())
              .setDepth(queues.depth(q))
              .setCapacity(queues.capacity(q))
              .setLeased(queues.leasedCount(q))
              .build());
    }
    return views;
  }

  /** The numbers the metrics port shows; {@code finished} from the service's tally. */
  QueueServiceMetrics buildMetrics(List<QueueServiceMetrics.FinishedJobs> finished) {
    List<QueueServiceMetrics.Queue> depths = new ArrayList<>();
    for (QueueKind q : QueueKind.values()) {
      depths.add(
          new QueueServiceMetrics.Queue(
              q, queues.depth(q), queues.leasedCount(q), queues.capacity(q)));
    }
    return new QueueServiceMetrics(
        depths,
        nodes.connectedCount(),
        spool.uploads(),
        spool.reservedBytes(),
        queues.highestTerm(),
        finished);
  }

  StatusResult buildStatus() {
    StatusResult.Builder b =
        StatusResult.newBuilder()
            .setServerId(config.serverId())
            .setClusterId(config.clusterId())
            .setTerm(queues.highestTerm())
            .setLeaderId(queues.leaderId().orElse(""))
            .setUploads(spool.uploads())
            .setSpoolBytes(spool.reservedBytes());
    nodes.addTo(b, queues::leasedCount);
    b.addAllQueues(queueViews());
    b.addAllDeadLetters(deadLetters.newest(QueueService.DEAD_LETTERS));
    for (JobQueues.LeaseView l : queues.leases()) {
      b.addLeases(
          LeaseView.newBuilder()
              .setJobId(l.jobId())
              .setRequestId(l.requestId())
              .setKind(l.kind())
              .setNodeId(l.nodeId())
              .setExpiresInMs(l.expiresIn().toMillis())
              .setAttempt(l.attempt()));
    }
    Optional<NodeStatus> leader = queues.leaderId().flatMap(nodes::statusOf);
    Map<String, Long> match = new HashMap<>();
    leader.ifPresent(
        l -> {
          b.setLeaderLastIndex(l.getLastIndex()).setLeaderCommitIndex(l.getCommitIndex());
          l.getProgressList().forEach(p -> match.put(p.getNodeId(), p.getMatchIndex()));
          match.put(l.getNodeId(), l.getLastIndex());
        });
    for (ReportedCluster.Member m : reportedCluster.members()) {
      Member.Builder member =
          Member.newBuilder()
              .setNodeId(m.nodeId())
              .setRaftAddress(m.raftAddress())
              .setHttpUrl(m.httpUrl())
              .setVoter(m.voter());
      Long matchIndex = match.get(m.nodeId());
      if (matchIndex != null) {
        member.setMatchIndex(matchIndex).setProgressKnown(true);
      }
      b.addMembers(member);
    }
    return b.build();
  }
}
