package io.spindle.queue;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.spindle.protocol.queue.Count;
import io.spindle.protocol.queue.DeadLetter;
import io.spindle.protocol.queue.Delete;
import io.spindle.protocol.queue.ErrorCode;
import io.spindle.protocol.queue.Job;
import io.spindle.protocol.queue.ListFiles;
import io.spindle.protocol.queue.NodeRole;
import io.spindle.protocol.queue.NodeView;
import io.spindle.protocol.queue.Ping;
import io.spindle.protocol.queue.Read;
import io.spindle.protocol.queue.Reply;
import io.spindle.protocol.queue.Request;
import io.spindle.protocol.queue.Status;
import io.spindle.protocol.queue.StatusResult;
import io.spindle.protocol.queue.WriteBegin;
import io.spindle.protocol.queue.WriteEnd;
import io.spindle.queue.jobs.JobQueueSettings;
import io.spindle.queue.service.ReportedCluster;
import io.spindle.queue.testing.FakeCluster;
import io.spindle.queue.testing.TestClient;
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
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.logging.Level;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A queue server in this JVM with test nodes and clients over real TCP and the real protocol.
 * Leases and deadlines follow a manual clock, so lease expiry happens exactly when a test advances
 * it.
 */
class QueueServerEndToEndTest {
  private static final int CHUNK = io.spindle.queue.spool.UploadSpec.MIN_CHUNK_SIZE;

  @TempDir Path spool;
  private final ManualClock clock = new ManualClock();
  private final FakeCluster cluster = new FakeCluster();
  private final List<AutoCloseable> open = new ArrayList<>();
  private QueueServer server;
  private LogCapture log;

  @BeforeEach
  void start() throws IOException {
    log = LogCapture.start("io.spindle.queue");
    cluster.addMember("n1", "http://127.0.0.1:3000");
    cluster.addMember("n2", "http://127.0.0.1:3001");
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

  private TestNode node(String id, NodeRole role, long term) throws IOException {
    TestNode n = TestNode.start(server.localAddress(), id, TestServers.SECRET, cluster, role, term);
    open.add(n);
    return n;
  }

  private TestClient client() throws IOException {
    TestClient c = TestClient.connect(server.localAddress());
    open.add(c);
    return c;
  }

  private static String rid() {
    return UUID.randomUUID().toString();
  }

  private static Request inlineWrite(String rid, String name, byte[] data) {
    return Request.newBuilder()
        .setRequestId(rid)
        .setWriteBegin(
            WriteBegin.newBuilder()
                .setName(name)
                .setSize(data.length)
                .setSha256(ByteString.copyFrom(FakeCluster.sha256(data)))
                .setInlineData(ByteString.copyFrom(data)))
        .build();
  }

  private static Request chunkedBegin(String rid, String name, byte[] data) {
    return Request.newBuilder()
        .setRequestId(rid)
        .setWriteBegin(
            WriteBegin.newBuilder()
                .setName(name)
                .setSize(data.length)
                .setChunkSize(CHUNK)
                .setChunkCount((data.length + CHUNK - 1) / CHUNK)
                .setSha256(ByteString.copyFrom(FakeCluster.sha256(data))))
        .build();
  }

  private static Request writeEnd(String rid, String uploadId) {
    return Request.newBuilder()
        .setRequestId(rid)
        .setWriteEnd(WriteEnd.newBuilder().setUploadId(uploadId))
        .build();
  }

  private static byte[] chunk(byte[] data, int index) {
    return Arrays.copyOfRange(data, index * CHUNK, Math.min(data.length, (index + 1) * CHUNK));
  }

  private static void sendChunk(TestClient c, String uploadId, byte[] data, int index)
      throws IOException {
    byte[] bytes = chunk(data, index);
    c.sendChunk(uploadId, index, bytes, FakeCluster.sha256(bytes));
  }

  private static byte[] random(int n) {
    byte[] b = new byte[n];
    new Random(n).nextBytes(b);
    return b;
  }

  private static void assertError(ErrorCode code, Reply r) {
    assertTrue(r.hasError(), () -> "expected " + code + ", got " + r);
    assertEquals(code, r.getError().getCode(), r.getError().getMessage());
  }

  private static long jobsOfKind(TestNode n, Job.KindCase kind) {
    return n.received.stream().filter(j -> j.getKindCase() == kind).count();
  }

  // ---- writes ----

  @Test
  void aSmallWriteIsAcknowledgedOnlyAfterTheLeaderHasCommittedIt() throws IOException {
    TestNode leader = node("n1", NodeRole.LEADER, 1);
    leader.hold(true);
    TestClient c = client();
    String rid = rid();
    byte[] data = "hello, spindle\n".getBytes(StandardCharsets.UTF_8);

    c.send(inlineWrite(rid, "docs/hello.txt", data));
    Await.until(() -> leader.held.size() == 1, () -> "the leader holds the write");
    Job job = leader.received.get(0);
    assertEquals(rid, job.getRequestId());
    assertEquals(0, job.getWrite().getChunkCount(), "small writes travel inline");
    assertArrayEquals(data, job.getWrite().getInlineData().toByteArray());
    assertFalse(c.hasReply(rid), "no answer before the commit");
    assertTrue(cluster.file("docs/hello.txt").isEmpty());

    leader.completeHeld();
    Reply done = c.next(rid);

    assertTrue(done.hasWriteDone(), done.toString());
    assertEquals("docs/hello.txt", done.getWriteDone().getName());
    assertArrayEquals(data, cluster.file("docs/hello.txt").orElseThrow().data());
  }

  @Test
  void aChunkedUploadGetsItsMissingAndCorruptChunksAskedForAgain() throws IOException {
    TestNode leader = node("n1", NodeRole.LEADER, 1);
    TestClient c = client();
    String rid = rid();
    byte[] data = random(3 * CHUNK + 500);

    Reply accepted = c.call(chunkedBegin(rid, "big/file.bin", data));
    assertTrue(accepted.hasWriteAccepted(), accepted.toString());
    String uploadId = accepted.getWriteAccepted().getUploadId();
    assertEquals(List.of(0, 1, 2, 3), accepted.getWriteAccepted().getMissingList());

    sendChunk(c, uploadId, data, 3); // out of order
    sendChunk(c, uploadId, data, 2);
    sendChunk(c, uploadId, data, 2); // a duplicate
    byte[] corrupt = chunk(data, 0).clone();
    corrupt[5] ^= 1;
    c.sendChunk(uploadId, 0, corrupt, FakeCluster.sha256(chunk(data, 0)));
    Reply missing = c.call(writeEnd(rid, uploadId));
    assertTrue(missing.hasMissingChunks(), missing.toString());
    assertEquals(List.of(0, 1), missing.getMissingChunks().getMissingList());

    sendChunk(c, uploadId, data, 0);
    sendChunk(c, uploadId, data, 1);
    Reply queued = c.call(writeEnd(rid, uploadId));
    assertTrue(queued.hasWriteQueued(), queued.toString());
    Reply done = c.next(rid);

    assertTrue(done.hasWriteDone(), done.toString());
    assertEquals(3 * CHUNK + 500, done.getWriteDone().getSize());
    assertArrayEquals(data, cluster.file("big/file.bin").orElseThrow().data());
    assertEquals(4, leader.fetched.size(), "the leader pulled each chunk from the queue server");
    Await.until(() -> server.status().getUploads() == 0, () -> "the spool let the upload go");
  }

  @Test
  void anUploadWhoseContentIsNotTheAnnouncedFileIsRefusedBeforeItIsQueued() throws IOException {
    TestNode leader = node("n1", NodeRole.LEADER, 1);
    TestClient c = client();
    String rid = rid();
    byte[] data = random(2 * CHUNK);
    Request begin = chunkedBegin(rid, "x", data);
    begin =
        begin.toBuilder()
            .setWriteBegin(
                begin.getWriteBegin().toBuilder().setSha256(ByteString.copyFrom(new byte[32])))
            .build();
    String uploadId = c.call(begin).getWriteAccepted().getUploadId();
    sendChunk(c, uploadId, data, 0);
    sendChunk(c, uploadId, data, 1);
    Reply r = c.call(writeEnd(rid, uploadId));
    assertError(ErrorCode.INVALID_ARGUMENT, r);
    assertTrue(r.getError().getMessage().contains("not to the SHA-256 announced"));
    assertTrue(leader.received.isEmpty());
  }

  @Test
  void tinyChunksAreRefusedUpFront() throws IOException {
    TestClient c = client();
    assertEquals(CHUNK, c.welcome().getMinChunkSize(), "the server says the minimum");
    Reply r =
        c.call(
            Request.newBuilder()
                .setRequestId(rid())
                .setWriteBegin(
                    WriteBegin.newBuilder()
                        .setName("tiny-chunks")
                        .setSize(1_000_000)
                        .setChunkSize(1)
                        .setChunkCount(1_000_000)
                        .setSha256(ByteString.copyFrom(new byte[32])))
                .build());
    assertError(ErrorCode.INVALID_ARGUMENT, r);
    assertTrue(r.getError().getMessage().contains("too small"), r.getError().getMessage());
    assertEquals(0, server.status().getUploads());
  }

  @Test
  void aWriteOfMoreChunksThanAJobCanNameIsRefusedUpFront() throws IOException {
    TestClient c = client();
    Reply r =
        c.call(
            Request.newBuilder()
                .setRequestId(rid())
                .setWriteBegin(
                    WriteBegin.newBuilder()
                        .setName("many-chunks")
                        .setSize(300_000L * CHUNK)
                        .setChunkSize(CHUNK)
                        .setChunkCount(300_000)
                        .setSha256(ByteString.copyFrom(new byte[32])))
                .build());
    assertError(ErrorCode.INVALID_ARGUMENT, r);
    assertTrue(
        r.getError().getMessage().contains("too many for one write"), r.getError().getMessage());
    assertEquals(0, server.status().getUploads());
  }

  @Test
  void aWriteOverTheLeadersFileLimitIsRefusedBeforeAnyChunkIsSpooled() throws IOException {
    TestNode leader = node("n1", NodeRole.LEADER, 1);
    leader.maxFileBytes = 3 * CHUNK;
    // A renewal answered after the change carried the status that says the limit.
    long renewals = leader.renewals();
    Await.until(() -> leader.renewals() >= renewals + 2, () -> "the leader renewed twice");

    Reply refused = client().call(chunkedBegin(rid(), "big", new byte[3 * CHUNK + 1]));
    assertError(ErrorCode.INVALID_ARGUMENT, refused);
    assertTrue(
        refused
            .getError()
            .getMessage()
            .contains(
                "'big' is "
                    + (3 * CHUNK + 1)
                    + " bytes; this cluster stores files of at most "
                    + 3 * CHUNK),
        refused.getError().getMessage());
    assertEquals(0, server.status().getUploads(), "nothing was spooled");

    byte[] atTheLimit = new byte[3 * CHUNK];
    TestClient c = client();
    String rid = rid();
    Reply accepted = c.call(chunkedBegin(rid, "at-limit", atTheLimit));
    assertTrue(accepted.hasWriteAccepted(), accepted.toString());
    assertTrue(
        c.call(inlineWrite(rid(), "small", new byte[] {1, 2, 3})).hasWriteDone(),
        "a small write is not affected");
    assertTrue(leader.received.stream().noneMatch(j -> j.getWrite().getName().equals("big")));
  }

  // Issue 13: disks never fill silently. While a member reports its disk below its watermark, or
  // the spool's disk is below the queue server's, new writes are refused with NO_SPACE before a
  // chunk is spooled; reads go on.
  @Test
  void writesAreRefusedWhileAMembersDiskIsLowAndReadsGoOn() throws IOException {
    cluster.write("seed", "kept.txt", "kept".getBytes(StandardCharsets.UTF_8));
    TestNode leader = node("n1", NodeRole.LEADER, 1);
    TestNode follower = node("n2", NodeRole.FOLLOWER, 1);
    follower.lowOnStorage = true;
    long renewals = follower.renewals();
    Await.until(() -> follower.renewals() >= renewals + 2, () -> "n2 renewed twice");

    Reply refused = client().call(inlineWrite(rid(), "more.txt", new byte[] {1}));
    assertError(ErrorCode.NO_SPACE, refused);
    assertTrue(refused.getError().getMessage().contains("node n2's disk"), refused.toString());
    assertEquals(0, jobsOfKind(leader, Job.KindCase.WRITE));
    Reply read =
        client()
            .call(
                Request.newBuilder()
                    .setRequestId(rid())
                    .setRead(Read.newBuilder().setName("kept.txt"))
                    .build());
    assertTrue(read.hasRead(), "reads go on: " + read);

    follower.lowOnStorage = false;
    long again = follower.renewals();
    Await.until(() -> follower.renewals() >= again + 2, () -> "n2 renewed twice");
    assertTrue(client().call(inlineWrite(rid(), "more.txt", new byte[] {1})).hasWriteDone());
  }

  @Test
  void writesAreRefusedWhileTheSpoolsDiskIsBelowItsWatermark() throws Exception {
    server.close();
    server =
        TestServers.start(
            TestServers.config(spool)
                .withSpool(
                    new io.spindle.queue.spool.SpoolSettings(
                        1 << 30, 10, Duration.ofMinutes(1), Long.MAX_VALUE, 1 << 30, 10)),
            clock);
    node("n1", NodeRole.LEADER, 1);
    Reply refused = client().call(chunkedBegin(rid(), "big", new byte[3 * CHUNK]));
    assertError(ErrorCode.NO_SPACE, refused);
    assertTrue(refused.getError().getMessage().contains("spool disk"), refused.toString());
    assertEquals(0, server.status().getUploads(), "nothing spooled");
  }

  @Test
  void aNodesErrorReachesTheClient() throws IOException {
    node("n1", NodeRole.LEADER, 1);
    TestClient c = client();
    Reply r = c.call(inlineWrite(rid(), "a//b", new byte[] {1}));
    assertError(ErrorCode.INVALID_ARGUMENT, r);
    assertTrue(r.getError().getMessage().contains("empty"), r.getError().getMessage());
  }

  // Issue 13: `spindle count --top -5` made every node fail; the job was given back and taken
  // again 101,267 times in a minute. The queue server now refuses it before queueing it.
  @Test
  void aCountOfANegativeOrHugeNumberOfTopWordsIsRefusedBeforeItIsQueued() throws IOException {
    TestNode n1 = node("n1", NodeRole.FOLLOWER, 1);
    TestClient c = client();
    for (int top : new int[] {-5, 1001}) {
      Reply r =
          c.call(
              Request.newBuilder()
                  .setRequestId(rid())
                  .setCount(Count.newBuilder().setName("a.txt").setTopWords(top))
                  .build());
      assertError(ErrorCode.INVALID_ARGUMENT, r);
      assertTrue(r.getError().getMessage().contains("0 to 1000 top words"), r.toString());
    }
    assertEquals(0, jobsOfKind(n1, Job.KindCase.COUNT), "nothing was queued");
  }

  // Issue 13: anyone who could reach the queue port could list, read, overwrite and delete every
  // file. A client proves a token in its hello; without one it is refused, and a read-only token
  // reads but cannot write or delete.
  @Test
  void clientsNeedATokenAndATokenItsRights() throws IOException {
    TestNode n1 = node("n1", NodeRole.LEADER, 1);
    for (String token : List.of("", "spt_nobody-knows-this-one")) {
      IOException refused =
          org.junit.jupiter.api.Assertions.assertThrows(
              IOException.class, () -> TestClient.connect(server.localAddress(), token));
      assertTrue(refused.getMessage().contains("token"), refused.getMessage());
    }
    TestClient reader = TestClient.connect(server.localAddress(), TestServers.READ_TOKEN);
    open.add(reader);
    Reply write = reader.call(inlineWrite(rid(), "nope.txt", new byte[] {1}));
    assertError(ErrorCode.PERMISSION_DENIED, write);
    assertTrue(write.getError().getMessage().contains("write right"), write.toString());
    Reply delete =
        reader.call(
            Request.newBuilder()
                .setRequestId(rid())
                .setDelete(io.spindle.protocol.queue.Delete.newBuilder().setName("x"))
                .build());
    assertError(ErrorCode.PERMISSION_DENIED, delete);
    assertEquals(0, jobsOfKind(n1, Job.KindCase.WRITE) + jobsOfKind(n1, Job.KindCase.DELETE));
    Reply list =
        reader.call(
            Request.newBuilder()
                .setRequestId(rid())
                .setList(io.spindle.protocol.queue.ListFiles.getDefaultInstance())
                .build());
    assertTrue(list.hasList(), "a read-only token lists: " + list);
  }

  // Issue 13: client request ids shared a namespace with the queue server's own join:, leave: and
  // task: jobs; a client could pose as a joining node's announcement.
  @Test
  void aClientRequestIdInTheServersOwnNamespaceIsRefused() throws IOException {
    node("n1", NodeRole.LEADER, 1);
    TestClient c = client();
    for (String rid : List.of("join:n9", "leave:n1", "task:n1:7")) {
      Reply r = c.call(inlineWrite(rid, "x.txt", new byte[] {1}));
      assertError(ErrorCode.INVALID_ARGUMENT, r);
      assertTrue(r.getError().getMessage().contains("the queue server's own"), r.toString());
    }
    assertEquals(0, cluster.effects("join:n9"));
  }

  // Issue 13: a job that fails on the nodes that take it (a bug, input only a node can judge) ends
  // with an error to its client after the failure limit, is listed as given up, and is never
  // handed out again.
  @Test
  void aJobThatFailsOnTheNodesEndsWithAnErrorAndIsListedAsGivenUp() throws IOException {
    cluster.write("seed", "poison.txt", "a b\n".getBytes(StandardCharsets.UTF_8));
    TestNode n1 = node("n1", NodeRole.FOLLOWER, 1);
    n1.hold(true);
    TestClient c = client();
    String rid = rid();
    c.send(
        Request.newBuilder()
            .setRequestId(rid)
            .setCount(Count.newBuilder().setName("poison.txt"))
            .build());
    int limit = TestServers.config(spool).jobs().maxFailures();
    for (int i = 1; i <= limit; i++) {
      int attempt = i;
      Await.until(() -> n1.held.size() == 1, () -> "n1 holds the count, attempt " + attempt);
      n1.failHeld("node n1 failed: boom " + i);
    }

    Reply r = c.next(rid);
    assertError(ErrorCode.FAILED, r);
    String message = r.getError().getMessage();
    assertTrue(message.contains("tried " + limit + " times"), message);
    assertTrue(message.contains("boom " + limit), message);
    StatusResult status = server.status();
    assertEquals(1, status.getDeadLettersCount());
    DeadLetter dead = status.getDeadLetters(0);
    assertEquals(rid, dead.getRequestId());
    assertEquals("count", dead.getKind());
    assertEquals(limit, dead.getAttempts());
    assertEquals("n1", dead.getLastNodeId());
    assertEquals(message, dead.getReason());
    assertEquals(limit, jobsOfKind(n1, Job.KindCase.COUNT), "never handed out again");
    assertEquals(0, server.status().getQueues(1).getDepth());
  }

  // ---- no lost work ----

  @Test
  void aNodeKilledHoldingAWriteHasItRedoneByTheNextLeaderWithOneEffect() throws IOException {
    TestNode n1 = node("n1", NodeRole.LEADER, 1);
    n1.hold(true);
    TestClient c = client();
    String rid = rid();
    c.send(inlineWrite(rid, "survivor.txt", "still here".getBytes(StandardCharsets.UTF_8)));
    Await.until(() -> n1.held.size() == 1, () -> "n1 holds the write");
    TestNode n2 = node("n2", NodeRole.FOLLOWER, 1);

    n1.kill();
    Await.until(
        () -> log.contains(Level.INFO, "lost because its connection closed"),
        () -> "the server takes the write back from the dead node: " + log.messages(Level.INFO));
    n2.setRole(NodeRole.LEADER, 2); // elected after n1 died

    Reply done = c.next(rid);
    assertTrue(done.hasWriteDone(), done.toString());
    assertEquals(1, jobsOfKind(n2, Job.KindCase.WRITE));
    assertEquals(2, n2.received.get(0).getAttempt());
    assertEquals(1, cluster.effects(rid));
    assertTrue(
        log.contains(Level.INFO, "lost because its connection closed"),
        () -> "" + log.messages(Level.INFO));
  }

  @Test
  void aNodeThatStopsRenewingLosesItsLeaseWhenItExpiresAndItsLateResultIsIgnored()
      throws IOException {
    cluster.write("seed", "notes.txt", "a b c\n".getBytes(StandardCharsets.UTF_8));
    TestNode n1 = node("n1", NodeRole.FOLLOWER, 1);
    n1.hold(true);
    TestClient c = client();
    String rid = rid();
    c.send(
        Request.newBuilder()
            .setRequestId(rid)
            .setRead(Read.newBuilder().setName("notes.txt"))
            .build());
    Await.until(() -> n1.held.size() == 1, () -> "n1 holds the read");
    n1.hang(); // a long pause: connected, but neither renewing nor stealing
    TestNode n2 = node("n2", NodeRole.FOLLOWER, 1);
    clock.advance(Duration.ofMillis(999));
    assertFalse(c.hasReply(rid));

    clock.advance(Duration.ofMillis(1)); // the 1 s lease runs out

    Reply read = c.next(rid);
    assertTrue(read.hasRead(), read.toString());
    assertEquals("n2", read.getRead().getHolders(0).getNodeId());
    assertEquals(1, n2.received.size());
    n1.completeHeld();
    Await.until(
        () -> log.contains(Level.FINE, "ignoring the result of job", "from n1"),
        () -> "n1's late result is ignored");
    assertFalse(c.hasReply(rid), "one answer only");
  }

  @Test
  void aStaleLeaderLosesItsWritesToTheNewTermAndGetsNoMore() throws IOException {
    TestNode old = node("n1", NodeRole.LEADER, 1);
    old.hold(true);
    TestClient c = client();
    String first = rid();
    c.send(inlineWrite(first, "one", new byte[] {1}));
    Await.until(() -> old.held.size() == 1, () -> "the old leader holds the first write");
    long firstJob = old.received.get(0).getJobId();

    TestNode current = node("n2", NodeRole.LEADER, 2); // elected while n1 was cut off

    assertTrue(c.next(first).hasWriteDone());
    Await.until(() -> old.lost.contains(firstJob), () -> "n1 is told it lost the write");
    String second = rid();
    assertTrue(c.call(inlineWrite(second, "two", new byte[] {2})).hasWriteDone());
    assertEquals(1, jobsOfKind(old, Job.KindCase.WRITE), "the stale leader got nothing more");
    assertEquals(2, jobsOfKind(current, Job.KindCase.WRITE));
    assertEquals(1, cluster.effects(first));
    assertEquals(2, server.status().getTerm());
    assertEquals("n2", server.status().getLeaderId());
  }

  @Test
  void aClientRetryOnANewConnectionGetsTheAnswerOfTheFirstTry() throws IOException {
    TestNode leader = node("n1", NodeRole.LEADER, 1);
    leader.hold(true);
    String rid = rid();
    Request write = inlineWrite(rid, "retried.txt", "x".getBytes(StandardCharsets.UTF_8));
    TestClient first = client();
    first.send(write);
    Await.until(() -> leader.held.size() == 1, () -> "the leader holds the write");
    first.kill(); // the client's connection (or its queue server) died

    TestClient second = client();
    second.send(write); // attaches to the write under way
    leader.completeHeld();
    assertTrue(second.next(rid).hasWriteDone());

    TestClient third = client();
    Reply again = third.call(write); // answered from the cache
    assertTrue(again.hasWriteDone(), again.toString());
    assertEquals(1, cluster.effects(rid));
    assertEquals(1, leader.received.size(), "one job for three tries");

    Reply reused = third.call(inlineWrite(rid, "other.txt", new byte[] {9}));
    assertError(ErrorCode.INVALID_ARGUMENT, reused);
    assertTrue(reused.getError().getMessage().contains("already used"));
  }

  @Test
  void aRestartedQueueServerResumesAnUploadFromItsSpool() throws IOException {
    String rid = rid();
    byte[] data = random(4 * CHUNK);
    String uploadId;
    TestClient c = client();
    uploadId = c.call(chunkedBegin(rid, "resumed.bin", data)).getWriteAccepted().getUploadId();
    sendChunk(c, uploadId, data, 0);
    sendChunk(c, uploadId, data, 2);
    Reply missing = c.call(writeEnd(rid, uploadId)); // also: the chunks are on disk now
    assertEquals(List.of(1, 3), missing.getMissingChunks().getMissingList());
    server.close();

    server = TestServers.start(TestServers.config(spool), clock);
    node("n1", NodeRole.LEADER, 1);
    TestClient again = client();
    Reply resumed = again.call(chunkedBegin(rid, "resumed.bin", data));
    assertEquals(uploadId, resumed.getWriteAccepted().getUploadId());
    assertEquals(List.of(1, 3), resumed.getWriteAccepted().getMissingList());
    sendChunk(again, uploadId, data, 1);
    sendChunk(again, uploadId, data, 3);
    assertTrue(again.call(writeEnd(rid, uploadId)).hasWriteQueued());
    assertTrue(again.next(rid).hasWriteDone());
    assertArrayEquals(data, cluster.file("resumed.bin").orElseThrow().data());
  }

  // ---- back-pressure and availability ----

  @Test
  void aFullQueueAnswersBusyAtOnce() throws IOException {
    server.close();
    server =
        TestServers.start(
            TestServers.config(spool)
                .withJobs(new JobQueueSettings(2, 2, 1 << 20, Duration.ofSeconds(1), 3, 20)),
            clock);
    TestClient c = client();
    c.send(inlineWrite(rid(), "a", new byte[] {1}));
    c.send(inlineWrite(rid(), "b", new byte[] {2}));
    Reply busy = c.call(inlineWrite(rid(), "c", new byte[] {3}));
    assertError(ErrorCode.BUSY, busy);
    assertTrue(busy.getError().getRetryAfterMs() > 0);
    assertTrue(busy.getError().getMessage().contains("leader queue is full"));
    Reply big = c.call(chunkedBegin(rid(), "d", random(3000))); // refused before any byte is sent
    assertError(ErrorCode.BUSY, big);
    c.send(
        Request.newBuilder().setRequestId(rid()).setRead(Read.newBuilder().setName("a")).build());
    Await.until(
        () -> server.status().getQueues(1).getDepth() == 1,
        () -> "the shared queue still takes reads while the leader queue is full");
  }

  @Test
  void aJobNoNodeTakesInTimeIsAnsweredUnavailable() throws IOException {
    TestClient c = client();
    String rid = rid();
    c.send(inlineWrite(rid, "nobody", new byte[] {1}).toBuilder().setTimeoutMs(2000).build());
    Await.until(() -> server.status().getQueues(0).getDepth() == 1, () -> "the write is queued");
    clock.advance(Duration.ofSeconds(2));
    Reply r = c.next(rid);
    assertError(ErrorCode.UNAVAILABLE, r);
    assertTrue(r.getError().getMessage().contains("no leader"), r.getError().getMessage());
    assertTrue(r.getError().getRetryAfterMs() > 0);
  }

  // ---- reads and the rest ----

  @Test
  void aCountCarriesTheLastAnswerToTheSameQuestionForTheNodeToCheckAndReuse() throws IOException {
    TestNode n1 = node("n1", NodeRole.LEADER, 1);
    TestClient c = client();
    byte[] text = "one two\nthree\n".getBytes(StandardCharsets.UTF_8);
    assertTrue(c.call(inlineWrite(rid(), "docs/words.txt", text)).hasWriteDone());
    Reply first = c.call(count(rid(), "docs/words.txt", "c"));
    assertEquals(3, first.getCount().getWords());
    assertFalse(countJobs(n1).get(0).getCount().hasPrevious(), "nothing to reuse yet");

    c.call(count(rid(), "docs/words.txt", "c"));
    assertEquals(first.getCount(), countJobs(n1).get(1).getCount().getPrevious());

    Request otherQuestion = count(rid(), "docs/words.txt", "c");
    c.call(
        otherQuestion.toBuilder()
            .setCount(otherQuestion.getCount().toBuilder().setTopWords(5))
            .build());
    assertFalse(countJobs(n1).get(2).getCount().hasPrevious(), "other top words, other answer");
  }

  @Test
  void aCountOfTheSameContentUnderAnotherNameCarriesItsLastAnswer() throws IOException {
    TestNode n1 = node("n1", NodeRole.LEADER, 1);
    TestClient c = client();
    byte[] text = "one two\nthree\n".getBytes(StandardCharsets.UTF_8);
    assertTrue(c.call(inlineWrite(rid(), "docs/words.txt", text)).hasWriteDone());
    assertTrue(c.call(inlineWrite(rid(), "copies/words.txt", text)).hasWriteDone());
    byte[] other = "four five\n".getBytes(StandardCharsets.UTF_8);
    assertTrue(c.call(inlineWrite(rid(), "docs/other.txt", other)).hasWriteDone());
    Reply first = c.call(count(rid(), "docs/words.txt", "utf8"));
    assertEquals(3, first.getCount().getWords());

    // The write told the queue server the copy's content: the answer goes along ("" is utf8).
    c.call(count(rid(), "copies/words.txt", ""));
    assertEquals(first.getCount(), countJobs(n1).get(1).getCount().getPrevious());

    c.call(count(rid(), "docs/other.txt", "utf8"));
    assertFalse(countJobs(n1).get(2).getCount().hasPrevious(), "other content, no answer");
    c.call(count(rid(), "copies/words.txt", "c"));
    assertFalse(countJobs(n1).get(3).getCount().hasPrevious(), "another locale, no answer");
  }

  private static Request count(String rid, String name, String locale) {
    return Request.newBuilder()
        .setRequestId(rid)
        .setCount(Count.newBuilder().setName(name).setLocale(locale))
        .build();
  }

  private static List<Job> countJobs(TestNode n) {
    return n.received.stream().filter(j -> j.getKindCase() == Job.KindCase.COUNT).toList();
  }

  @Test
  void readsListsCountsDeletesAndPingsReachTheClient() throws IOException {
    node("n1", NodeRole.LEADER, 1);
    node("n2", NodeRole.FOLLOWER, 1);
    TestClient c = client();
    byte[] text = "one two\nthree\n".getBytes(StandardCharsets.UTF_8);
    assertTrue(c.call(inlineWrite(rid(), "docs/words.txt", text)).hasWriteDone());

    Reply read =
        c.call(
            Request.newBuilder()
                .setRequestId(rid())
                .setRead(Read.newBuilder().setName("docs/words.txt"))
                .build());
    assertEquals(text.length, read.getRead().getFile().getSize());
    assertEquals(1, read.getRead().getChunksCount());
    assertEquals(2, read.getRead().getHoldersCount());

    Reply list =
        c.call(
            Request.newBuilder()
                .setRequestId(rid())
                .setList(ListFiles.newBuilder().setPrefix("docs/"))
                .build());
    assertEquals("docs/words.txt", list.getList().getFiles(0).getName());

    Reply count =
        c.call(
            Request.newBuilder()
                .setRequestId(rid())
                .setCount(Count.newBuilder().setName("docs/words.txt"))
                .build());
    assertEquals(2, count.getCount().getLines());
    assertEquals(3, count.getCount().getWords());

    Reply ping =
        c.call(Request.newBuilder().setRequestId(rid()).setPing(Ping.getDefaultInstance()).build());
    assertEquals("queue-server", ping.getPing().getHops(0).getKind(), "the queue server first");
    assertEquals("n1", ping.getPing().getHops(1).getName(), "the leader answers pings");

    Request delete =
        Request.newBuilder()
            .setRequestId(rid())
            .setDelete(Delete.newBuilder().setName("docs/words.txt"))
            .build();
    assertTrue(c.call(delete).hasDeleted());
    assertError(ErrorCode.NOT_FOUND, c.call(delete.toBuilder().setRequestId(rid()).build()));
    Reply gone =
        c.call(
            Request.newBuilder()
                .setRequestId(rid())
                .setRead(Read.newBuilder().setName("docs/words.txt"))
                .build());
    assertError(ErrorCode.NOT_FOUND, gone);
  }

  @Test
  void statusAndTheClusterViewShowNodesQueuesAndLeases() throws IOException {
    TestNode leader = node("n1", NodeRole.LEADER, 3);
    node("n2", NodeRole.FOLLOWER, 3);
    leader.hold(true);
    TestClient c = client();
    c.send(inlineWrite(rid(), "held", new byte[] {1}));
    Await.until(() -> leader.held.size() == 1, () -> "the leader holds a write");
    Await.until(
        () ->
            server.status().getNodesCount() == 2
                && server.status().getNodesList().stream()
                    .allMatch(n -> n.getStatus().getTerm() == 3),
        () -> "both nodes reported");

    StatusResult status =
        c.call(
                Request.newBuilder()
                    .setRequestId(rid())
                    .setStatus(Status.getDefaultInstance())
                    .build())
            .getStatus();

    assertEquals(3, status.getTerm());
    assertEquals("n1", status.getLeaderId());
    NodeView n1 = status.getNodes(0);
    assertEquals("n1", n1.getStatus().getNodeId());
    assertEquals(NodeRole.LEADER, n1.getStatus().getRole());
    assertTrue(n1.getConnected());
    assertEquals(1, n1.getLeasedJobs());
    assertEquals("leader", status.getQueues(0).getName());
    assertEquals(1, status.getQueues(0).getLeased());
    assertEquals(1, status.getLeasesCount());
    assertEquals("write", status.getLeases(0).getKind());
    assertEquals("n1", status.getLeases(0).getNodeId());
    assertEquals(2, status.getMembersCount());

    ReportedCluster view = server.reportedCluster();
    assertEquals(3, view.term());
    assertEquals(java.util.Optional.of("n1"), view.leaderId());
    assertEquals(
        List.of("n1", "n2"), view.members().stream().map(ReportedCluster.Member::nodeId).toList());
    assertEquals("http://127.0.0.1:3001", view.members().get(1).httpUrl());
    assertEquals(
        server.localAddress().getPort(),
        Integer.parseInt(view.queueServerAddress().replaceAll(".*:", "")));
  }
}
