package io.spindle.queue.service;

import io.spindle.protocol.queue.Job;
import io.spindle.protocol.queue.JobBatch;
import io.spindle.protocol.queue.QueueFrame;
import io.spindle.protocol.queue.Steal;
import io.spindle.queue.jobs.JobQueues;
import io.spindle.queue.jobs.JobQueues.JobView;
import io.spindle.queue.jobs.QueueKind;
import java.time.InstantSource;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.logging.Logger;

/**
 * Hands queued jobs to the nodes' steals as leased batches: at once if there is work for the node,
 * else a steal that may wait is parked until work comes ({@link #serveParked}), its node is
 * presumed hung, or its wait runs out, and then answered.
 *
 * <p><b>Threading:</b> owned by {@link QueueService} and called from its core thread only; not
 * thread-safe.
 */
final class JobHandout {
  // Logs as the queue service did before this class was split out of it.
  private static final Logger LOG = Logger.getLogger(QueueService.class.getName());

  private record ParkedSteal(
      Peer node, String nodeId, long stealId, int maxJobs, long maxBytes, long deadlineMillis) {}

  private final ServiceSettings config;
  private final JobQueues<Job> queues;
  private final InstantSource clock;
  private final ArrayDeque<ParkedSteal> parked = new ArrayDeque<>();

  JobHandout(ServiceSettings config, JobQueues<Job> queues, InstantSource clock) {
    this.config = config;
    this.queues = queues;
    this.clock = clock;
  }

  /** A node's steal (its status already recorded): a batch now, or parked until work comes. */
  void steal(Peer node, String nodeId, Steal steal) {
    long maxBytes = steal.getMaxBytes() == 0 ? config.maxBatchBytes() : steal.getMaxBytes();
    maxBytes = Math.min(maxBytes, config.maxBatchBytes());
    List<JobView<Job>> batch = queues.steal(nodeId, node.id(), steal.getMaxJobs(), maxBytes);
    if (!batch.isEmpty() || steal.getWaitMs() == 0 || steal.getMaxJobs() == 0) {
      sendBatch(node, steal.getStealId(), batch);
      return;
    }
    long wait = Math.min(steal.getWaitMs(), config.maxStealWait().toMillis());
    parked.addLast(
        new ParkedSteal(
            node, nodeId, steal.getStealId(), steal.getMaxJobs(), maxBytes, clock.millis() + wait));
  }

  private void sendBatch(Peer node, long stealId, List<JobView<Job>> batch) {
    JobBatch.Builder b =
        JobBatch.newBuilder()
            .setStealId(stealId)
            .setLeaseMs((int) queues.limits().lease().toMillis());
    for (JobView<Job> j : batch) {
      b.addJobs(j.payload().toBuilder().setAttempt(j.attempt()));
      if (j.attempt() > 1) {
        LOG.info(
            () ->
                "job "
                    + j.id()
                    + " ("
                    + j.kind()
                    + " "
                    + j.requestId()
                    + ") handed out again, attempt "
                    + j.attempt()
                    + ", to "
                    + node.describe());
      }
    }
    node.send(QueueFrame.newBuilder().setJobBatch(b).build());
  }

  /** Hands queued work to the parked steals that may take it, oldest steal first. */
  void serveParked() {
    if (parked.isEmpty()) {
      return;
    }
    for (Iterator<ParkedSteal> it = parked.iterator(); it.hasNext(); ) {
      if (queues.depth(QueueKind.LEADER) == 0 && queues.depth(QueueKind.SHARED) == 0) {
        return;
      }
      ParkedSteal p = it.next();
      if (!queues.hasWorkFor(p.nodeId())) {
        continue;
      }
      List<JobView<Job>> batch = queues.steal(p.nodeId(), p.node().id(), p.maxJobs(), p.maxBytes());
      if (!batch.isEmpty()) {
        it.remove();
        sendBatch(p.node(), p.stealId(), batch);
      }
    }
  }

  /** The node's connection closed: its parked steals are dropped unanswered. */
  void forget(Peer node) {
    parked.removeIf(p -> p.node().id() == node.id());
  }

  /**
   * Nodes presumed hung (they stopped renewing): their parked steals must not take the work back;
   * they are answered empty, and a node steals again once it is back.
   */
  void answerEmpty(Set<String> hungNodeIds) {
    for (Iterator<ParkedSteal> it = parked.iterator(); it.hasNext(); ) {
      ParkedSteal p = it.next();
      if (hungNodeIds.contains(p.nodeId())) {
        it.remove();
        sendBatch(p.node(), p.stealId(), List.of());
      }
    }
  }

  /** The parked steals whose wait ran out by {@code nowMillis} are answered empty. */
  void answerDue(long nowMillis) {
    for (Iterator<ParkedSteal> it = parked.iterator(); it.hasNext(); ) {
      ParkedSteal p = it.next();
      if (p.deadlineMillis() <= nowMillis) {
        it.remove();
        sendBatch(p.node(), p.stealId(), List.of());
      }
    }
  }
}
