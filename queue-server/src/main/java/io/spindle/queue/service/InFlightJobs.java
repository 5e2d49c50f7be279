package io.spindle.queue.service;

import static io.spindle.queue.service.ReplyFrames.errorReply;
import static io.spindle.queue.service.ReplyFrames.frame;

import com.google.protobuf.ByteString;
import io.spindle.protocol.queue.Job;
import io.spindle.protocol.queue.WriteJob;
import io.spindle.queue.jobs.JobQueues;
import io.spindle.queue.jobs.QueueKind;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.logging.Logger;

/**
 * The jobs under way for a request id, and the ids new jobs get: a client's request, a membership
 * job or a complete chunked write is queued here, so that a retry attaches to the job under way and
 * the job's end finds what the request looked like.
 *
 * <p><b>Threading:</b> owned by {@link QueueService} and called from its core thread only; not
 * thread-safe.
 */
final class InFlightJobs {
  // Logs as the queue service did before this class was split out of it.
  private static final Logger LOG = Logger.getLogger(QueueService.class.getName());

  /**
   * A job under way for a request id.
   *
   * @param queuedAtNanos when the job was queued ({@link System#nanoTime()}): a ping's answer
   *     reports the round trip to the leader from it
   */
  record InFlight(long jobId, ByteString fingerprint, long queuedAtNanos) {
    InFlight(long jobId, ByteString fingerprint) {
      this(jobId, fingerprint, System.nanoTime());
    }
  }

  private final ServiceSettings config;
  private final JobQueues<Job> queues;
  private final AnswerRouter answers;
  private final JobHandout handout;
  private final Map<String, InFlight> inFlight = new HashMap<>();
  private long nextJobId;

  InFlightJobs(
      ServiceSettings config, JobQueues<Job> queues, AnswerRouter answers, JobHandout handout) {
    this.config = config;
    this.queues = queues;
    this.answers = answers;
    this.handout = handout;
    // Job ids never repeat across restarts: start from the wall clock, in microseconds.
    this.nextJobId = Math.max(1, System.currentTimeMillis() * 1000);
  }

  /** The job under way for {@code rid}, or null. */
  InFlight get(String rid) {
    return inFlight.get(rid);
  }

  /** The job for {@code rid} ended: a retry queues a new one. */
  void remove(String rid) {
    inFlight.remove(rid);
  }

  /** The id the next job gets; it is the next one's too until {@link #takeJobId} is called. */
  long nextJobId() {
    return nextJobId;
  }

  /** The job given {@link #nextJobId} was queued. */
  void takeJobId() {
    nextJobId++;
  }

  /** Queues a job for request {@code rid}, or attaches the client to the one under way. */
  void submit(
      Peer client,
      String rid,
      ByteString fingerprint,
      QueueKind queue,
      String kind,
      Job.Builder job,
      Duration timeout) {
    if (answers.answerFromCache(client, rid, fingerprint)) {
      return;
    }
    InFlight running = inFlight.get(rid);
    if (running != null) {
      if (!running.fingerprint().equals(fingerprint)) {
        client.send(frame(errorReply(rid, ReplyFrames.reusedRequestId(rid))));
      } else {
        answers.addWaiter(rid, client);
      }
      return;
    }
    long id = nextJobId;
    Job payload = job.setJobId(id).setRequestId(rid).build();
    int bytes = payload.getSerializedSize();
    String full = queues.fullReason(queue, bytes);
    if (full != null) {
      client.send(frame(errorReply(rid, ReplyFrames.busy(full))));
      return;
    }
    nextJobId++;
    queues.offer(id, rid, queue, kind, payload, bytes, timeout);
    inFlight.put(rid, new InFlight(id, fingerprint));
    answers.addWaiter(rid, client);
    handout.serveParked();
  }

  /**
   * Queues a leader job no client waits for, unless one with {@code rid} is under way already.
   *
   * @return whether a job was queued
   */
  boolean submitInternal(String rid, String kind, Job.Builder job) {
    if (inFlight.containsKey(rid)) {
      return false;
    }
    long id = nextJobId;
    Job payload = job.setJobId(id).setRequestId(rid).build();
    int bytes = payload.getSerializedSize();
    String full = queues.fullReason(QueueKind.LEADER, bytes);
    if (full != null) {
      LOG.warning(() -> "cannot queue the " + kind + " " + rid + " now: " + full);
      return false;
    }
    if (!queues.offer(id, rid, QueueKind.LEADER, kind, payload, bytes, config.queueTimeout())) {
      return false;
    }
    nextJobId++;
    inFlight.put(rid, new InFlight(id, ByteString.EMPTY));
    handout.serveParked();
    return true;
  }

  /** How chunked writes reach the leader queue once their upload is complete. */
  ChunkedWrites.JobSink leaderQueueSink() {
    return new LeaderQueueSink();
  }

  private final class LeaderQueueSink implements ChunkedWrites.JobSink {
    @Override
    public String fullReason(int bytes) {
      return queues.fullReason(QueueKind.LEADER, bytes);
    }

    @Override
    public boolean enqueue(
        String requestId, WriteJob.Builder write, Duration timeout, ByteString fingerprint) {
      long id = nextJobId;
      Job job = Job.newBuilder().setJobId(id).setRequestId(requestId).setWrite(write).build();
      if (!queues.offer(
          id, requestId, QueueKind.LEADER, "write", job, job.getSerializedSize(), timeout)) {
        return false;
      }
      nextJobId++;
      inFlight.put(requestId, new InFlight(id, fingerprint));
      handout.serveParked();
      return true;
    }
  }
}
