package io.spindle.queue.service;

import static io.spindle.queue.service.ReplyFrames.error;

import io.spindle.protocol.queue.CancelTasks;
import io.spindle.protocol.queue.ErrorCode;
import io.spindle.protocol.queue.Job;
import io.spindle.protocol.queue.JobResult;
import io.spindle.protocol.queue.QueueError;
import io.spindle.protocol.queue.QueueFrame;
import io.spindle.protocol.queue.SubmitTasks;
import io.spindle.protocol.queue.Task;
import io.spindle.protocol.queue.TaskResult;
import io.spindle.queue.jobs.JobQueues;
import io.spindle.queue.jobs.JobQueues.JobView;
import io.spindle.queue.jobs.QueueKind;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.logging.Logger;

/**
 * The tasks nodes share out: jobs on the shared queue that no client waits for, whose result goes
 * back over the link of the node that submitted them (the first result, as the node sent it). A
 * submitter may cancel its tasks; when its connection closes they are dropped.
 *
 * <p><b>Threading:</b> owned by {@link QueueService} and called from its core thread only; not
 * thread-safe.
 */
final class SubmittedTasks {
  // Logs as the queue service did before this class was split out of it.
  private static final Logger LOG = Logger.getLogger(QueueService.class.getName());

  /** The kind of a count-range task's job; a node holds at most a few of them at once. */
  static final String COUNT_RANGE = "count-range";

  /** How long a task may wait in the queue: its submitter cancels it sooner if it gives up. */
  static final Duration TASK_QUEUE_TIMEOUT = Duration.ofMinutes(10);

  /** Who submitted a task (a job no client waits for): its result goes back over that link. */
  private record TaskOrigin(Peer submitter, String nodeId, String taskId) {}

  private final ServiceSettings config;
  private final JobQueues<Job> queues;
  private final NodeDirectory nodes;
  private final InFlightJobs inFlight;
  private final CountAnswers countAnswers;
  private final JobHandout handout;
  private final Map<Long, TaskOrigin> tasks = new HashMap<>();

  SubmittedTasks(
      ServiceSettings config,
      JobQueues<Job> queues,
      NodeDirectory nodes,
      InFlightJobs inFlight,
      CountAnswers countAnswers,
      JobHandout handout) {
    this.config = config;
    this.queues = queues;
    this.nodes = nodes;
    this.inFlight = inFlight;
    this.countAnswers = countAnswers;
    this.handout = handout;
  }

  void onSubmitTasks(Peer node, String nodeId, SubmitTasks submit) {
    nodes.touch(nodeId);
    for (Task task : submit.getTasksList()) {
      String taskId = task.getTaskId();
      if (taskId.isEmpty() || taskId.length() > QueueService.MAX_REQUEST_ID_LENGTH) {
        node.close(
            "it submitted a task without a task_id of 1 to " + QueueService.MAX_REQUEST_ID_LENGTH);
        return;
      }
      TaskOrigin origin = new TaskOrigin(node, nodeId, taskId);
      long id = inFlight.nextJobId();
      String rid = "task:" + nodeId + ":" + taskId;
      Job.Builder job = Job.newBuilder().setJobId(id).setRequestId(rid);
      String kind;
      Duration timeout;
      switch (task.getKindCase()) {
        case COUNT_RANGE -> {
          job.setCountRange(task.getCountRange());
          kind = COUNT_RANGE;
          timeout = TASK_QUEUE_TIMEOUT;
        }
        case COUNT -> {
          job.setCount(countAnswers.withPrevious(task.getCount()));
          kind = "count";
          timeout = config.queueTimeout();
        }
        default -> {
          sendTaskError(
              origin,
              error(
                  ErrorCode.INVALID_ARGUMENT,
                  "this queue server does not know tasks of that kind; upgrade it"));
          continue;
        }
      }
      Job payload = job.build();
      int bytes = payload.getSerializedSize();
      String full = queues.fullReason(QueueKind.SHARED, bytes);
      if (full != null || !queues.offer(id, rid, QueueKind.SHARED, kind, payload, bytes, timeout)) {
        sendTaskError(origin, ReplyFrames.busy(full == null ? "the shared queue is full" : full));
        continue;
      }
      inFlight.takeJobId();
      tasks.put(id, origin);
    }
    handout.serveParked();
  }

  void onCancelTasks(Peer node, String nodeId, CancelTasks cancel) {
    nodes.touch(nodeId);
    Set<String> ids = new HashSet<>(cancel.getTaskIdsList());
    int n = dropTasks(o -> o.submitter().id() == node.id() && ids.contains(o.taskId()));
    if (n > 0) {
      LOG.fine(() -> nodeId + " cancelled " + n + " tasks");
      handout.serveParked(); // a node that held one may take another now
    }
  }

  /** Drops the tasks whose origin matches, queued or leased; returns how many. */
  private int dropTasks(Predicate<TaskOrigin> which) {
    int dropped = 0;
    for (Iterator<Map.Entry<Long, TaskOrigin>> it = tasks.entrySet().iterator(); it.hasNext(); ) {
      Map.Entry<Long, TaskOrigin> e = it.next();
      if (which.test(e.getValue())) {
        it.remove();
        queues.complete(e.getKey());
        dropped++;
      }
    }
    return dropped;
  }

  /**
   * If job {@code job} is a task, its result goes to its submitter (see {@link #forwardTaskResult})
   * and it is a task no more.
   *
   * @return whether it was a task
   */
  boolean forwardResult(JobView<Job> job, String nodeId, JobResult result) {
    TaskOrigin origin = tasks.remove(job.id());
    if (origin == null) {
      return false;
    }
    forwardTaskResult(origin, job, nodeId, result);
    return true;
  }

  /**
   * If job {@code jobId} is a task, its submitter gets {@code error} as its result and it is a task
   * no more.
   *
   * @return whether it was a task
   */
  boolean fail(long jobId, QueueError error) {
    TaskOrigin origin = tasks.remove(jobId);
    if (origin == null) {
      return false;
    }
    sendTaskError(origin, error);
    return true;
  }

  /** The first result of a task goes to its submitter, as the node sent it. */
  private void forwardTaskResult(
      TaskOrigin origin, JobView<Job> job, String nodeId, JobResult result) {
    TaskResult.Builder r =
        TaskResult.newBuilder()
            .setTaskId(origin.taskId())
            .setNodeId(nodeId)
            .setAttempt(job.attempt());
    switch (result.getOutcomeCase()) {
      case ERROR -> r.setError(result.getError());
      case COUNT_RANGE -> r.setCountRange(result.getCountRange());
      case COUNT -> {
        r.setCount(result.getCount());
        countAnswers.rememberCount(job, result.getCount());
      }
      default ->
          r.setError(
              error(
                  ErrorCode.INTERNAL,
                  "node "
                      + nodeId
                      + " answered the "
                      + job.kind()
                      + " task with a "
                      + result.getOutcomeCase()));
    }
    origin.submitter().send(QueueFrame.newBuilder().setTaskResult(r).build());
  }

  private static void sendTaskError(TaskOrigin origin, QueueError error) {
    origin
        .submitter()
        .send(
            QueueFrame.newBuilder()
                .setTaskResult(TaskResult.newBuilder().setTaskId(origin.taskId()).setError(error))
                .build());
  }

  /**
   * The submitter's connection closed: nobody will merge its tasks' results. Queued ones go at
   * once; a leased one is forgotten too, so its holder hears at its next renewal that it lost it.
   */
  void dropTasksOf(Peer node, String nodeId) {
    int dropped = dropTasks(o -> o.submitter().id() == node.id());
    if (dropped > 0) {
      LOG.info(
          () ->
              "dropped "
                  + dropped
                  + " tasks of "
                  + nodeId
                  + ": the connection they came on closed");
    }
  }
}
