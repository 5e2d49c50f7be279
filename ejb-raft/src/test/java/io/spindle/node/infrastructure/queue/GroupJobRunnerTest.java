package io.spindle.node.infrastructure.queue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spindle.node.application.ClusterUnavailableException;
import io.spindle.node.application.GroupLimitException;
import io.spindle.node.application.GroupService;
import io.spindle.node.application.NotLeaderException;
import io.spindle.node.infrastructure.queue.JobRunner.CannotRunHereException;
import io.spindle.protocol.queue.ErrorCode;
import io.spindle.protocol.queue.GroupChangeInfo;
import io.spindle.protocol.queue.GroupJoin;
import io.spindle.protocol.queue.GroupLeave;
import io.spindle.protocol.queue.GroupList;
import io.spindle.protocol.queue.GroupMemberInfo;
import io.spindle.protocol.queue.GroupOp;
import io.spindle.protocol.queue.GroupRenew;
import io.spindle.protocol.queue.GroupShow;
import io.spindle.protocol.queue.JobResult;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The group membership jobs against an in-memory {@link GroupService}: mapping and errors. */
class GroupJobRunnerTest {
  private final FakeGroupService service = new FakeGroupService();
  private final GroupJobRunner runner = new GroupJobRunner(() -> service, () -> "n1");

  /** Runs what it is given on the test's thread, and counts it. */
  private final AtomicInteger finished = new AtomicInteger();

  private final Executor jobThreads =
      task -> {
        finished.incrementAndGet();
        task.run();
      };

  private static GroupOp join(String group, String id, GroupJoin.Builder join) {
    return GroupOp.newBuilder().setGroup(group).setMemberId(id).setJoin(join).build();
  }

  private static GroupOp join(String group, String id) {
    return join(group, id, GroupJoin.newBuilder().setAddress("10.0.0.7:8080"));
  }

  private static GroupOp renew(String group, String id) {
    return GroupOp.newBuilder()
        .setGroup(group)
        .setMemberId(id)
        .setRenew(GroupRenew.getDefaultInstance())
        .build();
  }

  private static GroupOp leave(String group, String id) {
    return GroupOp.newBuilder()
        .setGroup(group)
        .setMemberId(id)
        .setLeave(GroupLeave.getDefaultInstance())
        .build();
  }

  private static GroupOp watch(String group, long after, int waitMs) {
    return GroupOp.newBuilder()
        .setGroup(group)
        .setShow(GroupShow.newBuilder().setWait(true).setAfter(after).setWaitMs(waitMs))
        .build();
  }

  private static void assertError(ErrorCode code, String inMessage, JobResult.Builder r) {
    assertTrue(r.hasError(), () -> "expected " + code + ", got " + r);
    assertEquals(code, r.getError().getCode(), r.getError().getMessage());
    assertTrue(r.getError().getMessage().contains(inMessage), r.getError().getMessage());
  }

  @Test
  void aJoinCarriesItsSpecToTheServiceAndItsOutcomeBack() {
    JobResult.Builder r =
        runner.run(
            join(
                "web",
                "w1",
                GroupJoin.newBuilder()
                    .setAddress("10.0.0.7:8080")
                    .setTtlSeconds(12)
                    .putMeta("zone", "b")
                    .setProbe("tcp")));

    assertTrue(r.getGroup().getCreated());
    assertEquals(101, r.getGroup().getIndex());
    GroupMemberInfo m = r.getGroup().getMember();
    assertEquals("w1", m.getId());
    assertEquals("10.0.0.7:8080", m.getAddress());
    assertEquals(Map.of("zone", "b"), m.getMetaMap());
    assertEquals(12, m.getTtlSeconds());
    assertEquals("tcp", m.getProbe());
    assertEquals("alive", m.getState());
    assertEquals(101, m.getJoinIndex());
    assertEquals(FakeGroupService.T0.toEpochMilli(), m.getJoinedAtMillis());
    assertEquals(FakeGroupService.T0.plusSeconds(101).toEpochMilli(), m.getRenewedAtMillis());

    JobResult.Builder again = runner.run(join("web", "w1"));
    assertFalse(again.getGroup().getCreated(), "a second join renews");
    assertEquals(30, again.getGroup().getMember().getTtlSeconds(), "ttl 0 is the default, 30 s");
    assertEquals("none", again.getGroup().getMember().getProbe(), "no probe is none");
  }

  @Test
  void renewAndLeaveOfANonMemberAreNotFoundAndALeaveAnswersTheGroupsIndex() {
    assertError(ErrorCode.NOT_FOUND, "'w1' is not a member", runner.run(renew("web", "w1")));
    assertError(ErrorCode.NOT_FOUND, "'w1' is not a member", runner.run(leave("web", "w1")));

    runner.run(join("web", "w1"));
    assertEquals("w1", runner.run(renew("web", "w1")).getGroup().getMember().getId());
    JobResult.Builder left = runner.run(leave("web", "w1"));
    assertFalse(left.hasError(), left.toString());
    assertEquals(102, left.getGroup().getIndex(), "the index of the leave");
  }

  @Test
  void brokenRulesAndLimitsAreInvalidArgumentsWithTheServicesSentence() {
    assertError(ErrorCode.INVALID_ARGUMENT, "must not contain '/'", runner.run(join("a/b", "w1")));
    assertError(ErrorCode.INVALID_ARGUMENT, "must not be '..'", runner.run(renew("web", "..")));
    assertError(
        ErrorCode.INVALID_ARGUMENT,
        "ttlSeconds is from 1 to 3600, not 7200",
        runner.run(
            join("web", "w1", GroupJoin.newBuilder().setAddress("x:1").setTtlSeconds(7200))));
    assertError(
        ErrorCode.INVALID_ARGUMENT,
        "probe is \"none\"",
        runner.run(join("web", "w1", GroupJoin.newBuilder().setAddress("x:1").setProbe("udp"))));
    assertError(
        ErrorCode.INVALID_ARGUMENT,
        "names its operation",
        runner.run(GroupOp.newBuilder().setGroup("web").build()));
    assertError(ErrorCode.INVALID_ARGUMENT, "at most 60 s", runner.run(watch("web", 0, 60_001)));

    service.failWith(() -> new GroupLimitException("group 'web' has 10000 members, the most"));
    assertError(ErrorCode.INVALID_ARGUMENT, "the most", runner.run(join("web", "w2")));
  }

  @Test
  void aNodeThatIsNotTheLeaderOrHasNoQuorumGivesTheJobBack() {
    service.failWith(() -> new NotLeaderException(Optional.empty()));
    CannotRunHereException notLeader =
        assertThrows(CannotRunHereException.class, () -> runner.run(join("web", "w1")));
    assertTrue(notLeader.getMessage().contains("n1 is not the leader"), notLeader.getMessage());
    CompletableFuture<JobResult.Builder> started = runner.start(leave("web", "w1"), jobThreads);
    CompletionException e = assertThrows(CompletionException.class, started::join);
    assertInstanceOf(CannotRunHereException.class, e.getCause());

    service.failWith(() -> new ClusterUnavailableException("no quorum", null));
    assertThrows(CannotRunHereException.class, () -> runner.run(renew("web", "w1")));
    assertThrows(
        CannotRunHereException.class,
        () -> runner.run(GroupOp.newBuilder().setList(GroupList.getDefaultInstance()).build()));
  }

  @Test
  void listsAndShowsMapEveryGroupAndMember() {
    runner.run(join("web", "w1"));
    runner.run(join("web", "w2"));
    runner.run(join("db", "d1"));

    JobResult.Builder list =
        runner.run(GroupOp.newBuilder().setList(GroupList.newBuilder().setStale(true)).build());
    assertEquals(2, list.getGroup().getGroups().getGroupsCount());
    assertEquals("db", list.getGroup().getGroups().getGroups(0).getGroup());
    assertEquals(1, list.getGroup().getGroups().getGroups(0).getMembers());
    assertEquals("web", list.getGroup().getGroups().getGroups(1).getGroup());
    assertEquals(2, list.getGroup().getGroups().getGroups(1).getMembers());
    assertEquals(102, list.getGroup().getGroups().getGroups(1).getIndex());
    assertEquals(103, list.getGroup().getIndex(), "the highest index of the groups");

    JobResult.Builder show =
        runner.run(
            GroupOp.newBuilder().setGroup("web").setShow(GroupShow.getDefaultInstance()).build());
    assertEquals("web", show.getGroup().getGroup().getGroup());
    assertEquals(102, show.getGroup().getIndex());
    assertEquals(
        List.of("w1", "w2"),
        show.getGroup().getGroup().getMembersList().stream().map(GroupMemberInfo::getId).toList());
    assertEquals(0, show.getGroup().getGroup().getChangesCount(), "a show without wait has none");
  }

  @Test
  void aWaitingShowReturnsAtOnceAndIsAnsweredOnTheJobThreadsWhenTheGroupChanges() {
    runner.run(join("web", "w1"));
    CompletableFuture<JobResult.Builder> waiting = runner.start(watch("web", 101, 0), jobThreads);

    assertFalse(waiting.isDone(), "it waits without holding the caller");
    assertEquals(1, service.watches.size());
    assertEquals(Duration.ofSeconds(30), service.watches.get(0).timeout(), "wait_ms 0 is 30 s");
    assertEquals(0, finished.get());

    runner.run(join("web", "w2"));
    runner.run(leave("web", "w1"));

    assertTrue(waiting.isDone());
    assertEquals(1, finished.get(), "the answer was built on the job threads");
    List<GroupChangeInfo> changes = waiting.join().getGroup().getGroup().getChangesList();
    assertEquals(1, changes.size(), "the watch completed at the first change after 101");
    assertEquals(102, changes.get(0).getIndex());
    assertEquals("joined", changes.get(0).getKind());
    assertEquals("w2", changes.get(0).getMemberId());
    assertEquals("10.0.0.7:8080", changes.get(0).getAddress());

    CompletableFuture<JobResult.Builder> left = runner.start(watch("web", 102, 5_000), jobThreads);
    JobResult.Builder r = left.join();
    assertEquals("left", r.getGroup().getGroup().getChanges(0).getKind());
    assertEquals(103, r.getGroup().getIndex());

    CompletableFuture<JobResult.Builder> quiet = runner.start(watch("web", 103, 5_000), jobThreads);
    assertEquals(Duration.ofSeconds(5), service.watches.get(0).timeout());
    service.timeOutWatches();
    assertEquals(103, quiet.join().getGroup().getIndex(), "no change: the same index");
    assertEquals(0, quiet.join().getGroup().getGroup().getChangesCount());
  }

  @Test
  void aWaitThatFailsGivesTheJobBackAndACancelledOneCancelsTheServicesWatch() {
    CompletableFuture<JobResult.Builder> cancelled = runner.start(watch("web", 0, 0), jobThreads);
    CompletableFuture<?> watch = service.watches.get(0).future();
    cancelled.cancel(false);
    assertTrue(watch.isCancelled(), "the service stops watching for it");

    CompletableFuture<JobResult.Builder> failing = runner.start(watch("db", 0, 0), jobThreads);
    service
        .watches
        .get(service.watches.size() - 1)
        .future()
        .completeExceptionally(new ClusterUnavailableException("no quorum", null));
    CompletionException e = assertThrows(CompletionException.class, failing::join);
    assertInstanceOf(CannotRunHereException.class, e.getCause());
  }

  @Test
  void aNodeWithoutGroupMembershipYetAnswersUnavailable() {
    GroupJobRunner none = new GroupJobRunner(() -> null, () -> "n1");
    assertError(
        ErrorCode.UNAVAILABLE, "does not offer group membership", none.run(join("web", "w1")));
  }
}
