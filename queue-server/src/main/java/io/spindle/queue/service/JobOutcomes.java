package io.spindle.queue.service;

import static io.spindle.queue.service.ReplyFrames.error;
import static io.spindle.queue.service.ReplyFrames.errorReply;

import com.google.protobuf.ByteString;
import io.spindle.protocol.queue.ErrorCode;
import io.spindle.protocol.queue.Holder;
import io.spindle.protocol.queue.Hop;
import io.spindle.protocol.queue.Job;
import io.spindle.protocol.queue.JobResult;
import io.spindle.protocol.queue.PingResult;
import io.spindle.protocol.queue.QueueError;
import io.spindle.protocol.queue.ReadResult;
import io.spindle.protocol.queue.Reply;
import io.spindle.queue.jobs.JobQueues;
import io.spindle.queue.jobs.JobQueues.JobView;
import io.spindle.queue.jobs.JobQueues.LostLease;
import io.spindle.queue.jobs.QueueKind;
import io.spindle.queue.service.InFlightJobs.InFlight;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

/**
 * How jobs end: a node's result (answered to the waiting clients, or forwarded to a task's
 * submitter), a lease given up on for good (FAILED, and a dead letter), or no node taking the job
 * in time (UNAVAILABLE). Each ending releases what the job held: its request id's job under way and
 * a chunked write's pinned upload.
 *
 * <p><b>Threading:</b> owned by {@link QueueService} and called from its core thread only; not
 * thread-safe.
 */
final class JobOutcomes {
  // Logs as the queue service did before this class was split out of it.
  private static final Logger LOG = Logger.getLogger(QueueService.class.getName());

  /** The kind of the hop a queue server adds to the answer of a ping (Hop.kind). */
  static final String QUEUE_SERVER_HOP = "queue-server";

  private final ServiceSettings config;
  private final JobQueues<Job> queues;
  private final NodeDirectory nodes;
  private final InFlightJobs inFlight;
  private final ChunkedWrites writes;
  private final AnswerRouter answers;
  private final SubmittedTasks tasks;
  private final CountAnswers countAnswers;
  private final DeadLetters deadLetters;
  private final StatusViews views;
  private final JobHandout handout;
  private final JobTally tally;

  JobOutcomes(
      ServiceSettings config,
      JobQueues<Job> queues,
      NodeDirectory nodes,
      InFlightJobs inFlight,
      ChunkedWrites writes,
      AnswerRouter answers,
      SubmittedTasks tasks,
      CountAnswers countAnswers,
      DeadLetters deadLetters,
      StatusViews views,
      JobHandout handout,
      JobTally tally) {
    this.tally = tally;
    this.config = config;
    this.queues = queues;
    this.nodes = nodes;
    this.inFlight = inFlight;
    this.writes = writes;
    this.answers = answers;
    this.tasks = tasks;
    this.countAnswers = countAnswers;
    this.deadLetters = deadLetters;
    this.views = views;
    this.handout = handout;
  }

  /** A node's result: to the clients waiting for it, or to the task's submitter. */
  void onJobResult(String nodeId, JobResult result) {
    nodes.touch(nodeId);
    Optional<JobView<Job>> done = queues.complete(result.getJobId());
    if (done.isEmpty()) {
      LOG.fine(
          () ->
              "ignoring the result of job "
                  + result.getJobId()
                  + " from "
                  + nodeId
                  + ": finished already or unknown");
      return;
    }
    JobView<Job> job = done.get();
    tally.ended(job.queue(), result.hasError() ? JobOutcome.FAILED : JobOutcome.SUCCEEDED);
    if (tasks.forwardResult(job, nodeId, result)) {
      handout.serveParked(); // the node may hold another range now
      return;
    }
    countAnswers.rememberContent(result);
    Reply.Builder reply = Reply.newBuilder().setRequestId(job.requestId());
    switch (result.getOutcomeCase()) {
      case ERROR -> reply.setError(result.getError());
      case WRITTEN -> reply.setWriteDone(result.getWritten());
      case DELETED -> reply.setDeleted(result.getDeleted());
      case READ -> reply.setRead(withHolders(result.getRead()));
      case LIST -> reply.setList(result.getList());
      case COUNT -> {
        reply.setCount(result.getCount());
        countAnswers.rememberCount(job, result.getCount());
      }
      case PING -> reply.setPing(withOwnHop(job, result.getPing()));
      case CLUSTERS -> reply.setClusters(result.getClusters());
      case GROUP -> reply.setGroup(result.getGroup());
      case JOINED ->
          LOG.info(
              () ->
                  "node "
                      + result.getJoined().getNodeId()
                      + " is a member now ("
                      + (result.getJoined().getVoter() ? "voter" : "learner, until it catches up")
                      + "), says leader "
                      + nodeId);
      case LEFT ->
          LOG.info(
              () ->
                  "node "
                      + result.getLeft().getNodeId()
                      + " left the configuration, says leader "
                      + nodeId);
      case OUTCOME_NOT_SET ->
          reply.setError(
              error(ErrorCode.INTERNAL, "node " + nodeId + " sent a result without an outcome"));
    }
    if (result.hasError() && (job.payload().hasJoin() || job.payload().hasLeave())) {
      LOG.warning(
          () ->
              "the "
                  + job.kind()
                  + " "
                  + job.requestId()
                  + " failed on "
                  + nodeId
                  + ": "
                  + result.getError().getMessage());
    }
    // Nobody waits for a membership job, and a later announcement must queue a new one.
    boolean internal = job.payload().hasJoin() || job.payload().hasLeave();
    finishJob(job, reply.build(), !internal);
  }

  /**
   * A ping's answer as the client gets it: this queue server's own hop first (its round trip is the
   * client's to fill in), then the node's hops, the first of which (the leader's) gets the round
   * trip from here: from queueing the job to its result.
   */
  private PingResult withOwnHop(JobView<Job> job, PingResult ping) {
    PingResult.Builder b =
        ping.toBuilder()
            .clearHops()
            .addHops(
                Hop.newBuilder()
                    .setName(config.serverId())
                    .setAddress(config.advertisedAddress())
                    .setClusterId(config.clusterId())
                    .setKind(QUEUE_SERVER_HOP)
                    .setReached(true)
                    .setRttMicros(0));
    InFlight f = inFlight.get(job.requestId());
    for (int i = 0; i < ping.getHopsCount(); i++) {
      Hop hop = ping.getHops(i);
      if (i == 0 && f != null && f.jobId() == job.id()) {
        long micros = TimeUnit.NANOSECONDS.toMicros(System.nanoTime() - f.queuedAtNanos());
        hop = hop.toBuilder().setRttMicros(Math.max(0, micros)).build();
      }
      b.addHops(hop);
    }
    return b.build();
  }

  /** A read result names its holders; if the node named none, every member with a web address. */
  private ReadResult withHolders(ReadResult read) {
    if (read.getHoldersCount() > 0) {
      return read;
    }
    ReadResult.Builder b = read.toBuilder();
    for (ReportedCluster.Member m : views.reportedCluster().members()) {
      if (!m.httpUrl().isEmpty()) {
        b.addHolders(Holder.newBuilder().setNodeId(m.nodeId()).setHttpUrl(m.httpUrl()));
      }
    }
    return b.build();
  }

  /**
   * Leases lost: a job tried too often is given up (its clients, or its task's submitter, get
   * FAILED); the others are requeued at the front, which is only logged.
   */
  void handleLost(List<LostLease<Job>> lost, String why) {
    for (LostLease<Job> l : lost) {
      JobView<Job> j = l.job();
      if (l.failedForGood()) {
        String reason =
            "the "
                + j.kind()
                + " was tried "
                + j.attempt()
                + " times and is not tried again; the last time, on "
                + l.nodeId()
                + ", "
                + why;
        LOG.warning(() -> "job " + j.id() + " (" + j.requestId() + ") given up: " + reason);
        deadLetters.add(j, l.nodeId(), reason);
        tally.ended(j.queue(), JobOutcome.GIVEN_UP);
        if (tasks.fail(j.id(), error(ErrorCode.FAILED, reason))) {
          continue;
        }
        finishJob(j, errorReply(j.requestId(), error(ErrorCode.FAILED, reason)), true);
      } else {
        LOG.info(
            () ->
                "lease of job "
                    + j.id()
                    + " ("
                    + j.kind()
                    + " "
                    + j.requestId()
                    + ") on "
                    + l.nodeId()
                    + " lost because "
                    + why
                    + "; requeued at the front");
      }
    }
    if (!lost.isEmpty()) {
      handout.serveParked();
    }
  }

  /** Ends a job: answers its waiters and releases what it held. */
  private void finishJob(JobView<Job> job, Reply reply, boolean cache) {
    String rid = job.requestId();
    ByteString fingerprint = ByteString.EMPTY;
    InFlight f = inFlight.get(rid);
    if (f != null && f.jobId() == job.id()) {
      inFlight.remove(rid);
      fingerprint = f.fingerprint();
    }
    if (job.payload().hasWrite()) {
      ByteString w = writes.finished(rid, job.payload().getWrite().getUploadId());
      if (w != null) {
        fingerprint = w;
      }
    }
    answers.answer(rid, reply, cache ? fingerprint : null);
  }

  /** No node took {@code j} in time: its clients get UNAVAILABLE, and why. */
  void dropOverdue(JobView<Job> j) {
    boolean leaderJob = j.queue() == QueueKind.LEADER;
    String why =
        leaderJob && queues.leaderId().isEmpty()
            ? "no leader: no node reports LEADER at term " + queues.highestTerm()
            : !nodes.anyConnected()
                ? "no node is connected to this queue server"
                : "the nodes are busy";
    LOG.warning(
        () ->
            "dropping job "
                + j.id()
                + " ("
                + j.kind()
                + " "
                + j.requestId()
                + "): no node took it in time; "
                + why);
    QueueError e =
        error(
            ErrorCode.UNAVAILABLE,
            "no node took the " + j.kind() + " in time (" + why + "); retry later",
            QueueService.UNAVAILABLE_RETRY_MS);
    if (j.payload().hasWrite()) {
      // The upload stays: a retried WriteEnd queues it again without sending a byte.
      writes.unqueued(j.requestId());
    }
    inFlight.remove(j.requestId());
    answers.answer(j.requestId(), errorReply(j.requestId(), e), null);
  }
}
