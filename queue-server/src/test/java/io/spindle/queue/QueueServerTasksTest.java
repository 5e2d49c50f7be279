package io.spindle.queue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spindle.protocol.queue.CancelTasks;
import io.spindle.protocol.queue.Count;
import io.spindle.protocol.queue.ErrorCode;
import io.spindle.protocol.queue.Job;
import io.spindle.protocol.queue.NodeRole;
import io.spindle.protocol.queue.QueueFrame;
import io.spindle.protocol.queue.SubmitTasks;
import io.spindle.protocol.queue.Task;
import io.spindle.protocol.queue.TaskResult;
import io.spindle.queue.testing.FakeCluster;
import io.spindle.queue.testing.TestNode;
import io.spindle.queue.testing.TestServers;
import io.spindle.testkit.Await;
import io.spindle.testkit.LogCapture;
import io.spindle.testkit.ManualClock;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.logging.Level;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tasks a node shares out through the shared queue (the ranges of a count): a queue server in this
 * JVM, test nodes over real TCP, leases on a manual clock.
 */
class QueueServerTasksTest {
  @TempDir Path spool;
  private final ManualClock clock = new ManualClock();
  private final FakeCluster cluster = new FakeCluster();
  private final List<AutoCloseable> open = new ArrayList<>();
  private QueueServer server;
  private LogCapture log;

  @BeforeEach
  void start() throws IOException {
    log = LogCapture.start("io.spindle.queue");
    server = TestServers.start(TestServers.config(spool), clock);
  }

  @AfterEach
  void stop() throws Exception {
    for (AutoCloseable c : open) {
      c.close();
    }
    if (server != null) {
      server.close();
    }
    log.close();
  }

  private TestNode node(String id, boolean steals) throws IOException {
    TestNode n =
        TestNode.start(
            server.localAddress(), id, TestServers.SECRET, cluster, NodeRole.FOLLOWER, 1, steals);
    open.add(n);
    return n;
  }

  private static List<TaskResult> byTaskId(List<TaskResult> results) {
    return results.stream().sorted(Comparator.comparing(TaskResult::getTaskId)).toList();
  }

  @Test
  void tasksGoToTheNodesThatStealAndTheirResultsBackToTheSubmitter() throws IOException {
    TestNode coordinator = node("n1", false);
    coordinator.submitRanges("big.txt", 0, 100, 250, 300);
    TestNode n2 = node("n2", true);
    TestNode n3 = node("n3", true);

    Await.until(
        () -> coordinator.taskResults.size() == 3,
        () -> "the submitter has the three results: " + coordinator.taskResults);

    List<TaskResult> results = byTaskId(coordinator.taskResults);
    long[] lengths = {100, 150, 50};
    for (int i = 0; i < 3; i++) {
      TaskResult r = results.get(i);
      assertEquals("t" + i, r.getTaskId());
      assertTrue(r.hasCountRange(), r.toString());
      assertEquals(i, r.getCountRange().getIndex());
      assertEquals(lengths[i], r.getCountRange().getCounts().getBytes());
      assertTrue(List.of("n2", "n3").contains(r.getNodeId()), r.getNodeId());
      assertEquals(1, r.getAttempt());
    }
    assertEquals(
        3,
        n2.received.size() + n3.received.size(),
        "each task handed out once; none reached a client");
    assertTrue(
        n2.received.stream().allMatch(j -> j.getKindCase() == Job.KindCase.COUNT_RANGE)
            && n2.received.stream().allMatch(j -> j.getRequestId().startsWith("task:n1:")));
  }

  @Test
  void aTaskWhoseLeaseExpiresIsRequeuedAndItsResultComesFromTheNextNode() throws IOException {
    TestNode coordinator = node("n1", false);
    TestNode slow = node("n2", true);
    slow.hold(true);
    coordinator.submitRanges("big.txt", 0, 64);
    Await.until(() -> slow.held.size() == 1, () -> "n2 holds the task");
    slow.hang(); // stops renewing, as a node killed mid-count would
    TestNode n3 = node("n3", true);

    clock.advance(Duration.ofSeconds(1)); // the lease runs out

    Await.until(
        () -> coordinator.taskResults.size() == 1, () -> "the task was done by another node");
    TaskResult r = coordinator.taskResults.get(0);
    assertEquals("n3", r.getNodeId());
    assertEquals(2, r.getAttempt());
    assertEquals(64, r.getCountRange().getCounts().getBytes());
    assertEquals(1, n3.received.size());

    slow.completeHeld(); // too late: the first result won
    Await.until(
        () -> log.contains(Level.FINE, "ignoring the result of job", "from n2"),
        () -> "n2's late result is ignored");
    assertEquals(1, coordinator.taskResults.size(), "one result per task");
  }

  @Test
  void theQueuedTasksOfASubmitterThatIsGoneAreDropped() throws IOException {
    TestNode coordinator = node("n1", false);
    coordinator.submitRanges("big.txt", 0, 10, 20, 30);
    Await.until(
        () -> server.status().getQueues(1).getDepth() == 3,
        () -> "three tasks wait in the shared queue");

    coordinator.kill();

    Await.until(
        () -> log.contains(Level.INFO, "dropped 3 tasks of n1"),
        () -> "the server drops the tasks: " + log.messages(Level.INFO));
    assertEquals(0, server.status().getQueues(1).getDepth());
    TestNode late = node("n2", true);
    late.submitRanges("other.txt", 0, 5); // a task of its own, to see the queue is served
    Await.until(() -> late.taskResults.size() == 1, () -> "n2 did its own task");
    assertEquals(1, late.received.size(), "the dropped tasks never reached a node");
  }

  @Test
  void aNodeHoldsTwoRangesAtOnceAndTheOthersWaitForAnotherNode() throws IOException {
    TestNode coordinator = node("n1", false);
    TestNode busy = node("n2", true);
    busy.hold(true);
    coordinator.submitRanges("big.txt", 0, 10, 20, 30);
    Await.until(() -> busy.held.size() == 2, () -> "n2 holds two tasks");
    Await.until(
        () -> server.status().getQueues(1).getDepth() == 1,
        () -> "the third waits though n2 asks for sixteen jobs");
    // Every renewal answer tells the node the queues, for its status page.
    Await.until(
        () ->
            busy.lastRenewed != null
                && busy.lastRenewed.getQueuesList().stream()
                    .anyMatch(
                        q ->
                            q.getName().equals("shared")
                                && q.getDepth() == 1
                                && q.getLeased() == 2),
        () -> "n2 hears the shared queue's depth: " + busy.lastRenewed);

    TestNode other = node("n3", true);
    Await.until(
        () -> coordinator.taskResults.size() == 1, () -> "n3 did the third: " + other.received);
    assertEquals("n3", coordinator.taskResults.get(0).getNodeId());
    busy.completeHeld();
    Await.until(() -> coordinator.taskResults.size() == 3, () -> "n2's two results arrive");
  }

  @Test
  void theLeasedTasksOfASubmitterThatIsGoneAreLostToTheirHolders() throws IOException {
    TestNode coordinator = node("n1", false);
    TestNode worker = node("n2", true);
    worker.hold(true);
    coordinator.submitRanges("big.txt", 0, 10, 20, 30);
    Await.until(() -> worker.held.size() == 2, () -> "n2 holds two tasks");

    coordinator.kill();

    Await.until(
        () -> worker.lost.size() == 2,
        () -> "n2 hears at its next renewal that the tasks are gone: " + worker.lost);
    assertEquals(0, server.status().getLeasesCount());
    assertEquals(0, server.status().getQueues(1).getDepth());
    assertTrue(
        log.contains(Level.INFO, "dropped 3 tasks of n1"), () -> "" + log.messages(Level.INFO));
  }

  @Test
  void cancelledTasksAreDroppedQueuedOrLeasedAndAnswerNothing() throws IOException {
    TestNode coordinator = node("n1", false);
    TestNode worker = node("n2", true);
    worker.hold(true);
    coordinator.submitRanges("big.txt", 0, 10, 20, 30, 40);
    Await.until(() -> worker.held.size() == 2, () -> "n2 holds two tasks");

    coordinator.sendRaw(
        QueueFrame.newBuilder()
            .setCancelTasks(
                CancelTasks.newBuilder().addTaskIds("t0").addTaskIds("t2").addTaskIds("nope"))
            .build());

    Await.until(() -> worker.lost.size() == 1, () -> "n2 lost the cancelled task it held");
    Await.until(
        () -> server.status().getQueues(1).getDepth() + worker.held.size() == 2,
        () -> "t2 left the queue; t1 and t3 remain");
    worker.hold(false);
    worker.completeHeld();
    Await.until(() -> coordinator.taskResults.size() == 2, () -> "t1 and t3 are answered");
    assertEquals(
        List.of("t1", "t3"),
        byTaskId(coordinator.taskResults).stream().map(TaskResult::getTaskId).toList());
  }

  @Test
  void aCountTaskIsQueuedAsAClientsCountAndSharesItsLastAnswer() throws IOException {
    cluster.write("w1", "docs/words.txt", "one two\nthree\n".getBytes(StandardCharsets.UTF_8));
    TestNode asked = node("n1", false); // a node whose page or REST API was asked for the count
    TestNode worker = node("n2", true);
    Task count =
        Task.newBuilder()
            .setCount(Count.newBuilder().setName("docs/words.txt").setLocale("c"))
            .build();

    asked.sendRaw(submit(count.toBuilder().setTaskId("c1")));
    Await.until(() -> asked.taskResults.size() == 1, () -> "the count is answered");
    TaskResult first = asked.taskResults.get(0);
    assertEquals("c1", first.getTaskId());
    assertEquals("n2", first.getNodeId());
    assertEquals(3, first.getCount().getWords(), first.toString());
    Job job = worker.received.get(0);
    assertEquals(Job.KindCase.COUNT, job.getKindCase());
    assertFalse(job.getCount().hasPrevious(), "nothing to reuse yet");

    asked.sendRaw(submit(count.toBuilder().setTaskId("c2")));
    Await.until(() -> asked.taskResults.size() == 2, () -> "the second count is answered");
    assertEquals(
        first.getCount(),
        worker.received.get(1).getCount().getPrevious(),
        "the same count carries the last answer, as a client's does");
  }

  private static QueueFrame submit(Task.Builder task) {
    return QueueFrame.newBuilder().setSubmitTasks(SubmitTasks.newBuilder().addTasks(task)).build();
  }

  @Test
  void aTaskWithoutAnIdClosesTheConnectionAndAnUnknownKindIsRefused() throws IOException {
    TestNode submitter = node("n1", false);
    submitter.sendRaw(
        QueueFrame.newBuilder()
            .setSubmitTasks(SubmitTasks.newBuilder().addTasks(Task.newBuilder().setTaskId("x")))
            .build());
    Await.until(() -> submitter.taskResults.size() == 1, () -> "the unknown kind is answered");
    assertEquals(ErrorCode.INVALID_ARGUMENT, submitter.taskResults.get(0).getError().getCode());

    submitter.sendRaw(
        QueueFrame.newBuilder()
            .setSubmitTasks(SubmitTasks.newBuilder().addTasks(Task.newBuilder()))
            .build());
    Await.until(submitter::isClosed, () -> "a task without an id closes the connection");
  }
}
