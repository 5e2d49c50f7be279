package io.spindle.queue.service;

import static io.spindle.queue.service.ReplyFrames.error;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import io.spindle.protocol.queue.ChunkData;
import io.spindle.protocol.queue.ErrorCode;
import io.spindle.protocol.queue.FetchChunk;
import io.spindle.protocol.queue.Job;
import io.spindle.protocol.queue.NodeStatus;
import io.spindle.protocol.queue.QueueFrame;
import io.spindle.protocol.queue.ReleaseJobs;
import io.spindle.protocol.queue.Renew;
import io.spindle.protocol.queue.Renewed;
import io.spindle.protocol.queue.Steal;
import io.spindle.queue.jobs.JobQueues;
import io.spindle.queue.jobs.JobQueues.JobView;
import io.spindle.queue.jobs.JobQueues.LostLease;
import io.spindle.queue.jobs.NodeReport;
import io.spindle.queue.spool.ChunkSpool;
import io.spindle.queue.spool.UnknownUploadException;
import java.io.IOException;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * What the nodes ask of the queue server: steals, lease renewals (each may carry the node's status,
 * which updates the {@link NodeDirectory}, the {@link QueueServerDirectory}, the leader queue's
 * dispatch and the cluster view, and may queue a LEAVE), chunk fetches for leased writes, jobs
 * given back, and their connections closing. A node's results are {@link JobOutcomes}'; its tasks
 * {@link SubmittedTasks}'.
 *
 * <p><b>Threading:</b> owned by {@link QueueService} and called from its core thread only; not
 * thread-safe. Chunk reads run on the injected disk executor, which sends the answer itself.
 */
final class NodeRequests {
  // Logs as the queue service did before this class was split out of it.
  private static final Logger LOG = Logger.getLogger(QueueService.class.getName());

  /** How many of the newest dead letters a renewal answer carries. */
  private static final int DEAD_LETTERS_PER_RENEWAL = 10;

  private final ChunkSpool spool;
  private final Executor disk;
  private final JobQueues<Job> queues;
  private final NodeDirectory nodes;
  private final QueueServerDirectory queueServers;
  private final JobHandout handout;
  private final JobOutcomes outcomes;
  private final SubmittedTasks tasks;
  private final MembershipJobs membership;
  private final DeadLetters deadLetters;
  private final StatusViews views;

  NodeRequests(
      ChunkSpool spool,
      Executor disk,
      JobQueues<Job> queues,
      NodeDirectory nodes,
      QueueServerDirectory queueServers,
      JobHandout handout,
      JobOutcomes outcomes,
      SubmittedTasks tasks,
      MembershipJobs membership,
      DeadLetters deadLetters,
      StatusViews views) {
    this.spool = spool;
    this.disk = disk;
    this.queues = queues;
    this.nodes = nodes;
    this.queueServers = queueServers;
    this.handout = handout;
    this.outcomes = outcomes;
    this.tasks = tasks;
    this.membership = membership;
    this.deadLetters = deadLetters;
    this.views = views;
  }

  /** A node's steal: its status recorded, then jobs handed out now or when work comes. */
  void onSteal(Peer node, String nodeId, Steal steal) {
    if (steal.hasStatus()) {
      report(nodeId, steal.getStatus());
    } else {
      nodes.touch(nodeId);
    }
    handout.steal(node, nodeId, steal);
  }

  /** A node renews its leases: answered with the ones it lost, the queues and dead letters. */
  void onRenew(Peer node, String nodeId, Renew renew) {
    if (renew.hasStatus()) {
      report(nodeId, renew.getStatus());
    } else {
      nodes.touch(nodeId);
    }
    List<Long> lost = queues.renew(nodeId, renew.getJobIdsList());
    node.send(
        QueueFrame.newBuilder()
            .setRenewed(
                Renewed.newBuilder()
                    .addAllLostJobIds(lost)
                    .setLeaseMs((int) queues.limits().lease().toMillis())
                    .addAllQueues(views.queueViews())
                    .addAllDeadLetters(deadLetters.newest(DEAD_LETTERS_PER_RENEWAL)))
            .build());
  }

  /** A node fetches a chunk of the upload its leased write job names: read on the disk executor. */
  void onFetchChunk(Peer node, String nodeId, FetchChunk fetch) {
    nodes.touch(nodeId);
    Optional<JobView<Job>> job = queues.job(fetch.getJobId());
    String refusal = null;
    if (job.isEmpty() || !queues.isLeasedTo(fetch.getJobId(), nodeId)) {
      refusal = "job " + fetch.getJobId() + " is not leased to " + nodeId + " (any more)";
    } else if (!job.get().payload().hasWrite()
        || !job.get().payload().getWrite().getUploadId().equals(fetch.getUploadId())) {
      refusal = "job " + fetch.getJobId() + " does not write upload " + fetch.getUploadId();
    } else if (fetch.getIndex() >= job.get().payload().getWrite().getChunkCount()) {
      refusal = "upload " + fetch.getUploadId() + " has no chunk " + fetch.getIndex();
    }
    if (refusal != null) {
      node.send(chunkError(fetch, ErrorCode.FAILED, refusal));
      return;
    }
    ByteString sha = job.get().payload().getWrite().getChunkSha256(fetch.getIndex());
    disk.execute(
        () -> {
          QueueFrame answer;
          try {
            byte[] data = spool.readChunk(fetch.getUploadId(), fetch.getIndex());
            answer =
                QueueFrame.newBuilder()
                    .setChunkData(
                        ChunkData.newBuilder()
                            .setUploadId(fetch.getUploadId())
                            .setIndex(fetch.getIndex())
                            .setSha256(sha)
                            .setData(UnsafeByteOperations.unsafeWrap(data)))
                    .build();
          } catch (UnknownUploadException e) {
            answer = chunkError(fetch, ErrorCode.UPLOAD_EXPIRED, e.getMessage());
          } catch (IOException | RuntimeException e) {
            LOG.log(Level.WARNING, "cannot read a chunk from the spool", e);
            answer =
                chunkError(
                    fetch, ErrorCode.INTERNAL, "the spool cannot be read: " + e.getMessage());
          }
          node.send(answer);
        });
  }

  private static QueueFrame chunkError(FetchChunk fetch, ErrorCode code, String message) {
    return QueueFrame.newBuilder()
        .setChunkData(
            ChunkData.newBuilder()
                .setUploadId(fetch.getUploadId())
                .setIndex(fetch.getIndex())
                .setError(error(code, message)))
        .build();
  }

  /**
   * A node gives jobs back: requeued at the front, or given up if it failed or gave back too often.
   */
  void onRelease(String nodeId, ReleaseJobs release) {
    nodes.touch(nodeId);
    String reason = QueueService.printable(release.getReason());
    List<LostLease<Job>> back =
        queues.release(nodeId, release.getJobIdsList(), release.getFailed());
    if (back.isEmpty()) {
      return;
    }
    if (release.getFailed()) {
      outcomes.handleLost(back, "it failed: " + reason);
      return;
    }
    long requeued = back.stream().filter(l -> !l.failedForGood()).count();
    if (requeued > 0) {
      LOG.info(
          () ->
              nodeId + " gave back " + requeued + " jobs (" + reason + "); requeued at the front");
    }
    outcomes.handleLost(
        back.stream().filter(LostLease::failedForGood).toList(),
        "it was given back (" + reason + ") for the " + queues.limits().maxGiveBacks() + "th time");
    handout.serveParked();
  }

  /** A node's connection closed: its parked steals, tasks and leases over it go. */
  void onNodeClosed(Peer node, String nodeId) {
    handout.forget(node);
    nodes.closed(nodeId, node.id());
    tasks.dropTasksOf(node, nodeId);
    outcomes.handleLost(queues.releaseConnection(node.id()), "its connection closed");
  }

  private void report(String nodeId, NodeStatus status) {
    boolean changed = nodes.report(nodeId, status);
    queueServers.report(nodeId, status.getQueueServersList());
    if (status.getLeaving()) {
      membership.onLeaving(nodeId);
    }
    List<JobView<Job>> revoked =
        queues.report(new NodeReport(nodeId, NodeDirectory.role(status), status.getTerm()));
    for (JobView<Job> j : revoked) {
      LOG.info(
          () ->
              "job "
                  + j.id()
                  + " ("
                  + j.kind()
                  + " "
                  + j.requestId()
                  + ") taken back from a leader of an older term; requeued for the leader of term "
                  + queues.highestTerm());
    }
    if (changed) {
      views.refreshClusterView();
    }
    if (!revoked.isEmpty() || queues.qualifies(nodeId)) {
      handout.serveParked();
    }
  }
}
