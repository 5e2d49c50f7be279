package io.spindle.node.infrastructure.queue;

import io.spindle.node.infrastructure.federation.GlobalPing;
import io.spindle.protocol.queue.ErrorCode;
import io.spindle.protocol.queue.Job;
import io.spindle.protocol.queue.JobResult;
import io.spindle.protocol.queue.PingJob;
import io.spindle.raft.server.RaftStatus;
import java.time.Duration;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * Runs ping and route-table jobs for {@link LocalJobRunner} through its {@link GlobalPing}: this
 * cluster's members, another cluster's, or the walk over every cluster.
 *
 * <p><b>Threading:</b> the queue worker's job threads, several at once; a ping blocks while it asks
 * other nodes and clusters. {@link #use} may be called from any thread.
 */
final class PingJobRunner {
  /** The longest a ping may give one other cluster to answer. */
  private static final long MAX_CLUSTER_TIMEOUT_MS = 60_000;

  private final Supplier<RaftStatus> status;
  private volatile GlobalPing globalPing;

  PingJobRunner(Supplier<RaftStatus> status, GlobalPing globalPing) {
    this.status = status;
    this.globalPing = globalPing;
  }

  /**
   * A ping on the leader: this cluster's members, another cluster's (through its route), or the
   * walk over every cluster. A ping forwarded from another cluster (origin_cluster) is answered
   * with this cluster's members and goes no further.
   */
  JobResult.Builder ping(Job job) {
    RaftStatus s = status.get();
    if (!s.isLeader()) {
      throw new JobRunner.CannotRunHereException("node " + s.id() + " is not the leader");
    }
    PingJob p = job.getPing();
    GlobalPing pinger = globalPing;
    Duration timeout =
        p.getClusterTimeoutMs() > 0
            ? Duration.ofMillis(Math.min(p.getClusterTimeoutMs(), MAX_CLUSTER_TIMEOUT_MS))
            : GlobalPing.DEFAULT_CLUSTER_TIMEOUT;
    int hopLimit =
        p.getHopLimit() > 0
            ? Math.min(p.getHopLimit(), GlobalPing.DEFAULT_HOP_LIMIT)
            : GlobalPing.DEFAULT_HOP_LIMIT;
    try {
      if (!p.getOriginCluster().isEmpty()) {
        if (p.getAllClusters()) {
          return FailedJobResult.of(
              ErrorCode.INVALID_ARGUMENT,
              "a ping forwarded from cluster " + p.getOriginCluster() + " goes no further");
        }
        return JobResult.newBuilder().setPing(pinger.members());
      }
      if (p.getAllClusters()) {
        return JobResult.newBuilder().setPing(pinger.walk(timeout, hopLimit));
      }
      if (p.getTargetCluster().isEmpty()) {
        return JobResult.newBuilder().setPing(pinger.members());
      }
      return JobResult.newBuilder().setPing(pinger.cluster(p.getTargetCluster(), timeout));
    } catch (GlobalPing.PingFailure e) {
      return FailedJobResult.of(e.code(), e.getMessage());
    }
  }

  /** The federation's route table (any node). */
  JobResult.Builder clusters() {
    return JobResult.newBuilder().setClusters(globalPing.clusters());
  }

  /**
   * Uses {@code ping} for pings and the route table from now on (the runtime gives it this
   * cluster's id and the federation's routes).
   */
  void use(GlobalPing ping) {
    this.globalPing = Objects.requireNonNull(ping, "ping");
  }
}
