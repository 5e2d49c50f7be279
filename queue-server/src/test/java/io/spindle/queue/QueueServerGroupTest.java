package io.spindle.queue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spindle.protocol.queue.ErrorCode;
import io.spindle.protocol.queue.GroupChangeInfo;
import io.spindle.protocol.queue.GroupJoin;
import io.spindle.protocol.queue.GroupLeave;
import io.spindle.protocol.queue.GroupList;
import io.spindle.protocol.queue.GroupOp;
import io.spindle.protocol.queue.GroupRenew;
import io.spindle.protocol.queue.GroupShow;
import io.spindle.protocol.queue.Job;
import io.spindle.protocol.queue.NodeRole;
import io.spindle.protocol.queue.QueueView;
import io.spindle.protocol.queue.Reply;
import io.spindle.protocol.queue.Request;
import io.spindle.protocol.queue.StatusResult;
import io.spindle.queue.testing.FakeCluster;
import io.spindle.queue.testing.TestClient;
import io.spindle.queue.testing.TestNode;
import io.spindle.queue.testing.TestServers;
import io.spindle.testkit.Await;
import io.spindle.testkit.ManualClock;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Group membership through a queue server in this JVM, with test nodes and clients over real TCP:
 * which queue each operation takes, what the queue server refuses itself, the node's answer
 * reaching the client, and a show that waits for a change outliving the queue timeout and its
 * lease's length. Leases and deadlines follow a manual clock.
 */
class QueueServerGroupTest {
  @TempDir Path spool;
  private final ManualClock clock = new ManualClock();
  private final FakeCluster cluster = new FakeCluster();
  private final List<AutoCloseable> open = new ArrayList<>();
  private QueueServer server;

  @BeforeEach
  void start() throws IOException {
    server = TestServers.start(TestServers.config(spool), clock);
  }

  @AfterEach
  void stop() throws Exception {
    for (AutoCloseable c : open) {
      c.close();
    }
    server.close();
  }

  private TestNode node(String id, NodeRole role) throws IOException {
    TestNode n = TestNode.start(server.localAddress(), id, TestServers.SECRET, cluster, role, 1);
    open.add(n);
    return n;
  }

  private TestClient client() throws IOException {
    TestClient c = TestClient.connect(server.localAddress());
    open.add(c);
    return c;
  }

  private static Request group(GroupOp.Builder op) {
    return Request.newBuilder().setRequestId(UUID.randomUUID().toString()).setGroup(op).build();
  }

  private static GroupOp.Builder join(String group, String id, String address) {
    return GroupOp.newBuilder()
        .setGroup(group)
        .setMemberId(id)
        .setJoin(GroupJoin.newBuilder().setAddress(address).setTtlSeconds(10));
  }

  private static GroupOp.Builder renew(String group, String id) {
    return GroupOp.newBuilder()
        .setGroup(group)
        .setMemberId(id)
        .setRenew(GroupRenew.getDefaultInstance());
  }

  private static GroupOp.Builder show(String group) {
    return GroupOp.newBuilder().setGroup(group).setShow(GroupShow.getDefaultInstance());
  }

  private static void assertError(ErrorCode code, Reply r, String inMessage) {
    assertTrue(r.hasError(), () -> "expected " + code + ", got " + r);
    assertEquals(code, r.getError().getCode(), r.getError().getMessage());
    assertTrue(r.getError().getMessage().contains(inMessage), r.getError().getMessage());
  }

  private static long groupJobs(TestNode n) {
    return n.received.stream().filter(j -> j.getKindCase() == Job.KindCase.GROUP).count();
  }

  private QueueView queue(String name) {
    return server.status().getQueuesList().stream()
        .filter(q -> q.getName().equals(name))
        .findFirst()
        .orElseThrow();
  }

  @Test
  void changesWaitForTheLeaderWhileListsAndShowsAreAnsweredByAFollower() throws IOException {
    TestNode follower = node("n2", NodeRole.FOLLOWER);
    TestClient c = client();

    Reply list = c.call(group(GroupOp.newBuilder().setList(GroupList.getDefaultInstance())));
    assertTrue(list.getGroup().hasGroups(), list.toString());
    Reply empty = c.call(group(show("web")));
    assertEquals(0, empty.getGroup().getGroup().getMembersCount(), empty.toString());
    assertEquals(2, groupJobs(follower), "the follower answered the list and the show");

    Request joinRequest = group(join("web", "w1", "10.0.0.1:80"));
    c.send(joinRequest);
    Await.until(() -> queue("leader").getDepth() == 1, () -> "the join waits in the leader queue");
    assertEquals(2, groupJobs(follower), "the follower was not given the join");
    assertFalse(c.hasReply(joinRequest.getRequestId()));

    TestNode leader = node("n1", NodeRole.LEADER);
    Reply joined = c.next(joinRequest.getRequestId());
    assertTrue(joined.getGroup().getCreated(), joined.toString());
    assertEquals("w1", joined.getGroup().getMember().getId());
    assertEquals("10.0.0.1:80", joined.getGroup().getMember().getAddress());
    assertTrue(leader.received.stream().anyMatch(j -> j.getGroup().hasJoin()));

    Reply renewed = c.call(group(renew("web", "w1")));
    assertEquals("w1", renewed.getGroup().getMember().getId(), renewed.toString());
    Reply shown = c.call(group(show("web")));
    assertEquals(1, shown.getGroup().getGroup().getMembersCount(), shown.toString());
    assertEquals(joined.getGroup().getIndex(), shown.getGroup().getGroup().getIndex());
    Reply left =
        c.call(
            group(
                GroupOp.newBuilder()
                    .setGroup("web")
                    .setMemberId("w1")
                    .setLeave(GroupLeave.getDefaultInstance())));
    assertTrue(left.getGroup().getIndex() > joined.getGroup().getIndex(), left.toString());
    assertTrue(
        leader.received.stream()
            .filter(j -> j.getKindCase() == Job.KindCase.GROUP)
            .anyMatch(j -> j.getGroup().hasLeave()),
        "the leader did the leave");
    assertTrue(
        follower.received.stream()
            .filter(j -> j.getKindCase() == Job.KindCase.GROUP)
            .noneMatch(
                j -> j.getGroup().hasJoin() || j.getGroup().hasRenew() || j.getGroup().hasLeave()),
        "no change went to the follower");
  }

  @Test
  void theNodesErrorsReachTheClient() throws IOException {
    node("n1", NodeRole.LEADER);
    TestClient c = client();
    assertError(ErrorCode.NOT_FOUND, c.call(group(renew("web", "nobody"))), "not a member");
    assertError(
        ErrorCode.INVALID_ARGUMENT, c.call(group(join("a/b", "w1", "x:1"))), "must not contain");
  }

  @Test
  void oversizedNamesAndAMissingOperationAreRefusedBeforeTheyAreQueued() throws IOException {
    TestNode n1 = node("n1", NodeRole.LEADER);
    TestClient c = client();
    String tooLong = "é".repeat(128); // 256 bytes of UTF-8 in 128 characters
    assertError(
        ErrorCode.INVALID_ARGUMENT,
        c.call(group(join(tooLong, "w1", "x:1"))),
        "a group name is at most 255 bytes of UTF-8; this one is 256");
    assertError(
        ErrorCode.INVALID_ARGUMENT,
        c.call(group(renew("web", "m".repeat(300)))),
        "a member id is at most 255 bytes");
    assertError(
        ErrorCode.INVALID_ARGUMENT, c.call(group(show(tooLong))), "a group name is at most");
    assertError(
        ErrorCode.INVALID_ARGUMENT,
        c.call(group(GroupOp.newBuilder().setGroup("web").setMemberId("w1"))),
        "names its operation");
    assertError(ErrorCode.INVALID_ARGUMENT, c.call(group(join("", "w1", "x:1"))), "empty");
    assertEquals(0, groupJobs(n1), "nothing reached the node");

    String longest = "é".repeat(127) + "a"; // 255 bytes: the node judges it
    Reply ok = c.call(group(join(longest, "w1", "x:1")));
    assertTrue(ok.getGroup().getCreated(), ok.toString());
  }

  @Test
  void aReadOnlyTokenShowsAndListsButNeitherJoinsNorLeaves() throws IOException {
    TestNode n1 = node("n1", NodeRole.LEADER);
    TestClient reader = TestClient.connect(server.localAddress(), TestServers.READ_TOKEN);
    open.add(reader);
    assertError(
        ErrorCode.PERMISSION_DENIED,
        reader.call(group(join("web", "w1", "x:1"))),
        "joining, renewing or leaving a group");
    assertError(ErrorCode.PERMISSION_DENIED, reader.call(group(renew("web", "w1"))), "write");
    assertEquals(0, groupJobs(n1));
    assertTrue(reader.call(group(show("web"))).getGroup().hasGroup());
  }

  @Test
  void aShowWaitingForAChangeOutlivesTheQueueTimeoutAndItsLeaseWhileItsNodeRenews()
      throws IOException {
    TestNode follower = node("n2", NodeRole.FOLLOWER);
    TestClient c = client();
    Request watch =
        Request.newBuilder()
            .setRequestId(UUID.randomUUID().toString())
            .setTimeoutMs(500)
            .setGroup(
                GroupOp.newBuilder()
                    .setGroup("web")
                    .setShow(GroupShow.newBuilder().setWait(true).setAfter(0).setWaitMs(60_000)))
            .build();
    c.send(watch);
    Await.until(() -> groupJobs(follower) == 1, () -> "the follower took the show");
    Await.until(
        () -> server.status().getLeasesList().stream().anyMatch(l -> l.getKind().equals("group")),
        () -> "the show's lease is listed as a group job");

    // 15 s of the queue server's time: past the 0.5 s the client gave, the 10 s queue timeout and
    // many 1 s leases; each step is shorter than a lease and waits for two renewals.
    for (int i = 0; i < 30; i++) {
      clock.advance(Duration.ofMillis(500));
      long seen = follower.renewals();
      Await.until(() -> follower.renewals() >= seen + 2, () -> "the follower renews");
    }
    assertFalse(c.hasReply(watch.getRequestId()), "the show still waits");

    node("n1", NodeRole.LEADER);
    Reply joined = c.call(group(join("web", "w1", "10.0.0.1:80")));
    Reply changed = c.next(watch.getRequestId());
    assertTrue(changed.getGroup().hasGroup(), changed.toString());
    List<GroupChangeInfo> changes = changed.getGroup().getGroup().getChangesList();
    assertEquals(1, changes.size(), changed.toString());
    assertEquals("joined", changes.get(0).getKind());
    assertEquals("w1", changes.get(0).getMemberId());
    assertEquals(joined.getGroup().getIndex(), changes.get(0).getIndex());
    assertEquals(1, groupJobs(follower), "the show ran once, never redone");
    StatusResult status = server.status();
    assertEquals(0, status.getDeadLettersCount(), status.toString());
  }
}
