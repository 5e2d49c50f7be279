package io.spindle.node.infrastructure.membership;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spindle.node.infrastructure.queue.JobRunner;
import io.spindle.node.infrastructure.queue.LocalJobRunner;
import io.spindle.protocol.queue.Job;
import io.spindle.protocol.queue.JobResult;
import io.spindle.protocol.queue.JoinJob;
import io.spindle.protocol.queue.LeaveJob;
import io.spindle.raft.Configuration;
import io.spindle.raft.Member;
import io.spindle.raft.NodeId;
import io.spindle.raft.message.Message;
import io.spindle.raft.server.MemoryRaftStorage;
import io.spindle.raft.server.PeerMessenger;
import io.spindle.raft.server.RaftDriver;
import io.spindle.raft.server.RaftNodeSettings;
import io.spindle.raft.server.kv.KeyValueStateMachine;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ThreadFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The leader's side of JOIN and LEAVE jobs on a real single-voter driver (its peers are never
 * reached): a join adds a learner once, a repeated join or one of a member changes nothing, a leave
 * removes, and what the leader cannot do is given back to the queue.
 */
class MembershipTest {
  private static final NodeId N1 = NodeId.of("n1");
  private static final ThreadFactory THREADS =
      r -> {
        Thread t = new Thread(r, "membership-test");
        t.setDaemon(true);
        return t;
      };

  private RaftDriver driver;
  private LocalJobRunner jobs;

  @BeforeEach
  void start() throws InterruptedException {
    driver =
        RaftDriver.start(
            RaftNodeSettings.defaults(N1, List.of(Member.of("n1", "127.0.0.1:7000;http://h:1"))),
            new MemoryRaftStorage(),
            new KeyValueStateMachine(),
            new PeerMessenger() {
              @Override
              public void send(Message message) {}

              @Override
              public void updatePeers(Configuration configuration) {}
            },
            THREADS);
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (!driver.status().isLeader() || driver.status().commitIndex() < 1) {
      assertTrue(System.nanoTime() < deadline, "n1 leads");
      Thread.sleep(20); // the poll interval against the deadline above
    }
    Membership membership =
        new Membership(driver, PromotionPolicy.defaults(), Duration.ofSeconds(5));
    jobs =
        new LocalJobRunner(
            null,
            null,
            driver::status,
            "127.0.0.1:7000",
            URI.create("http://h:1"),
            membership,
            () -> false,
            LocalJobRunner.DEFAULT_MAX_FILE_BYTES,
            io.spindle.node.application.StorageWatermark.ALWAYS_ROOM);
  }

  @AfterEach
  void stop() {
    driver.halt();
  }

  private static Job join(String id) {
    return Job.newBuilder()
        .setJobId(1)
        .setRequestId("join:" + id)
        .setJoin(
            JoinJob.newBuilder()
                .setNodeId(id)
                .setRaftAddress("127.0.0.1:7002")
                .setHttpUrl("http://127.0.0.1:3002"))
        .build();
  }

  private static Job leave(String id) {
    return Job.newBuilder()
        .setJobId(2)
        .setRequestId("leave:" + id)
        .setLeave(LeaveJob.newBuilder().setNodeId(id))
        .build();
  }

  private JobResult.Builder run(Job job) {
    return jobs.run(job, null);
  }

  @Test
  void aJoinAddsALearnerOnceAndARepeatChangesNothing() {
    JobResult.Builder first = run(join("n2"));
    assertEquals("n2", first.getJoined().getNodeId());
    assertFalse(first.getJoined().getVoter());
    Configuration c = driver.status().configuration();
    assertTrue(c.isLearner(NodeId.of("n2")));
    assertEquals(
        "127.0.0.1:7002;http://127.0.0.1:3002", c.member(NodeId.of("n2")).orElseThrow().address());
    long last = driver.status().lastIndex();

    JobResult.Builder again = run(join("n2"));
    assertFalse(again.getJoined().getVoter());
    assertEquals(last, driver.status().lastIndex(), "no second configuration entry");

    assertTrue(run(join("n1")).getJoined().getVoter(), "a member is answered at once");
    assertEquals(last, driver.status().lastIndex());
  }

  @Test
  void aMemberThatComesBackAtAnotherAddressGetsItAndKeepsItsRole() {
    run(join("n2"));
    long last = driver.status().lastIndex();
    Job moved =
        join("n2").toBuilder()
            .setJoin(
                JoinJob.newBuilder()
                    .setNodeId("n2")
                    .setRaftAddress("127.0.0.1:7102")
                    .setHttpUrl("http://127.0.0.1:3102"))
            .build();

    JobResult.Builder result = run(moved);

    assertEquals("n2", result.getJoined().getNodeId());
    Configuration c = driver.status().configuration();
    assertTrue(c.isLearner(NodeId.of("n2")), "still a learner");
    assertEquals(
        "127.0.0.1:7102;http://127.0.0.1:3102", c.member(NodeId.of("n2")).orElseThrow().address());
    assertEquals(last + 1, driver.status().lastIndex(), "one configuration entry");
    run(moved);
    assertEquals(last + 1, driver.status().lastIndex(), "a repeat changes nothing");
  }

  @Test
  void aLeaveRemovesAndIsIdempotent() {
    run(join("n2"));
    assertEquals("n2", run(leave("n2")).getLeft().getNodeId());
    assertFalse(driver.status().configuration().contains(NodeId.of("n2")));
    long last = driver.status().lastIndex();
    assertEquals("n2", run(leave("n2")).getLeft().getNodeId());
    assertEquals(last, driver.status().lastIndex());
  }

  @Test
  void theLeaderDoesNotRemoveItselfNorTheLastVoter() {
    assertThrows(JobRunner.CannotRunHereException.class, () -> run(leave("n1")));
    assertTrue(driver.status().configuration().isVoter(N1));
  }

  @Test
  void aFollowerGivesTheJobBack() {
    driver.halt();
    assertThrows(JobRunner.CannotRunHereException.class, () -> run(join("n3")));
  }

  @Test
  void aBadJoinIsAnInvalidArgument() {
    Job bad =
        join("n3").toBuilder()
            .setJoin(JoinJob.newBuilder().setNodeId("n3").setRaftAddress("x;y").setHttpUrl("h"))
            .build();
    assertTrue(run(bad).hasError());
  }
}
