package io.spindle.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.google.protobuf.ByteString;
import io.spindle.protocol.queue.CountResult;
import io.spindle.protocol.queue.NodeRole;
import io.spindle.protocol.queue.Request;
import io.spindle.protocol.queue.WriteBegin;
import io.spindle.queue.QueueServer;
import io.spindle.queue.jobs.JobQueueSettings;
import io.spindle.queue.testing.FakeCluster;
import io.spindle.queue.testing.TestClient;
import io.spindle.queue.testing.TestNode;
import io.spindle.queue.testing.TestServers;
import io.spindle.testkit.Await;
import io.spindle.testkit.GnuWc;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code spindle} command line against an in-JVM queue server, a test node on the real node
 * protocol, and JDK HTTP servers standing in for the nodes' chunk endpoints.
 */
class SpindleCliTest {
  private static final int CHUNK = 1024 * 1024;

  @TempDir Path tmp;
  private final FakeCluster cluster = new FakeCluster();
  private final List<AutoCloseable> open = new ArrayList<>();
  private ChunkHttpServer good;
  private ChunkHttpServer bad;
  private QueueServer server;
  private TestNode leader;

  /** What one run printed, and how it ended. */
  record Run(int exit, String out, String err, byte[] rawOut) {}

  @BeforeEach
  void start() throws IOException {
    cluster.setReadChunkSize(CHUNK);
    good = new ChunkHttpServer(cluster, CHUNK);
    bad = new ChunkHttpServer(cluster, CHUNK);
    open.add(good);
    open.add(bad);
    cluster.addMember("n1", good.url());
    cluster.addMember("n2", bad.url());
    server = startServer("a");
    leader = node(server, "n1", NodeRole.LEADER);
  }

  @AfterEach
  void stop() throws Exception {
    for (AutoCloseable c : open) {
      c.close();
    }
  }

  private QueueServer startServer(String spool) throws IOException {
    QueueServer s =
        TestServers.start(
            TestServers.config(tmp.resolve("spool-" + spool)), InstantSource.system());
    open.add(0, s);
    return s;
  }

  private TestNode node(QueueServer s, String id, NodeRole role) throws IOException {
    TestNode n = TestNode.start(s.localAddress(), id, TestServers.SECRET, cluster, role, 1);
    open.add(0, n);
    return n;
  }

  private static String address(QueueServer s) {
    return "127.0.0.1:" + s.localAddress().getPort();
  }

  private Run spindle(String... args) {
    return spindle(Map.of(), args);
  }

  private Run spindle(Map<String, String> env, String... args) {
    List<String> all = new ArrayList<>();
    if (!env.containsKey("SPINDLE_SERVERS")) {
      all.add("--server");
      all.add(address(server));
    }
    all.addAll(List.of(args));
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int exit =
        SpindleCli.run(
            all.toArray(String[]::new),
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8),
            withToken(env),
            false);
    return new Run(
        exit,
        out.toString(StandardCharsets.UTF_8),
        err.toString(StandardCharsets.UTF_8),
        out.toByteArray());
  }

  private Path file(String name, byte[] content) throws IOException {
    Path p = tmp.resolve(name);
    Files.write(p, content);
    return p;
  }

  private static byte[] random(int n) {
    byte[] b = new byte[n];
    new Random(n).nextBytes(b);
    return b;
  }

  @Test
  void aBigFileGoesUpInChunksAndComesBackVerifiedAroundACorruptHolder() throws IOException {
    byte[] content = random(CHUNK * 2 + 12345);
    Path src = file("big.bin", content);

    Run w = spindle("write", src.toString(), "--name", "data/big file.bin");
    assertEquals(0, w.exit(), w.err());
    assertTrue(w.out().startsWith("stored data/big file.bin: 2.0 MiB"), w.out());
    assertArrayEquals(content, cluster.file("data/big file.bin").orElseThrow().data());

    bad.fault(ChunkHttpServer.Fault.CORRUPT);
    Path dst = tmp.resolve("copy.bin");
    Run r = spindle("read", "data/big file.bin", "-o", dst.toString());

    assertEquals(0, r.exit(), r.err());
    assertArrayEquals(content, Files.readAllBytes(dst));
    assertTrue(r.out().contains("sha256 verified, from n1"), r.out());
    assertEquals(3, good.served.size(), "every chunk came from the good holder in the end");
    assertTrue(good.served.contains("data/big file.bin#2"));
  }

  @Test
  void aHolderThatFailsMidReadIsReplacedByAnother() throws IOException {
    byte[] content = random(CHUNK * 3);
    cluster.write("seed", "three.bin", content);
    bad.fault(ChunkHttpServer.Fault.SERVER_ERROR);
    Path dst = tmp.resolve("three.bin");
    Run r = spindle("--json", "read", "three.bin", "-o", dst.toString(), "--parallel", "3");
    assertEquals(0, r.exit(), r.err());
    assertArrayEquals(content, Files.readAllBytes(dst));
    assertTrue(r.out().contains("\"servedBy\":[\"n1\"]"), r.out());
  }

  @Test
  void aStreamCutShortIsTakenUpByAnotherHolderFromTheChunkItStoppedIn() throws IOException {
    byte[] content = random(CHUNK * 4 + 777);
    cluster.write("seed", "five.bin", content);
    bad.fault(ChunkHttpServer.Fault.TRUNCATE);
    Path dst = tmp.resolve("five.bin");
    Run r = spindle("--json", "read", "five.bin", "-o", dst.toString());
    assertEquals(0, r.exit(), r.err());
    assertArrayEquals(content, Files.readAllBytes(dst));
    assertTrue(r.out().contains("\"servedBy\":[\"n1\"]"), r.out());
    // Two streams, one per holder: n2's run (chunks 2 to 4) broke in chunk 2 and went to n1.
    assertEquals(
        List.of("five.bin#0", "five.bin#1", "five.bin#2", "five.bin#3", "five.bin#4"),
        good.served.stream().sorted().toList());
  }

  @Test
  void aHolderThatStallsMidStreamIsGivenUpAfterTheStallTimeoutForAnother() throws IOException {
    byte[] content = random(CHUNK * 4 + 777);
    cluster.write("seed", "stall.bin", content);
    bad.fault(ChunkHttpServer.Fault.STALL);
    Path dst = tmp.resolve("stall.bin");
    Run r = spindle("--json", "read", "stall.bin", "-o", dst.toString(), "--stall-timeout", "1");
    assertEquals(0, r.exit(), r.err());
    assertArrayEquals(content, Files.readAllBytes(dst));
    assertTrue(r.out().contains("\"servedBy\":[\"n1\"]"), r.out());
    assertEquals(1, bad.stalling(), "the read gave up on n2 while n2 still held it open");
    // n2's run (chunks 2 to 4) stalled in chunk 2, and went to n1 from that chunk on.
    assertEquals(
        List.of("stall.bin#0", "stall.bin#1", "stall.bin#2", "stall.bin#3", "stall.bin#4"),
        good.served.stream().sorted().toList());
  }

  @Test
  void aStallTimeoutBelowOneSecondIsAUsageError() throws IOException {
    cluster.write("seed", "s.bin", random(10));
    Run r = spindle("read", "s.bin", "-o", tmp.resolve("s.bin").toString(), "--stall-timeout", "0");
    assertEquals(ExitCode.USAGE, r.exit());
    assertTrue(r.err().contains("--stall-timeout"), r.err());
  }

  @Test
  void aRateLimitedReadIsWholeAndABadRateIsAUsageError() throws IOException {
    byte[] content = random(CHUNK * 3 + 99);
    cluster.write("seed", "slow.bin", content);
    Path dst = tmp.resolve("slow.bin");
    Run r = spindle("read", "slow.bin", "-o", dst.toString(), "--limit-rate", "64M");
    assertEquals(0, r.exit(), r.err());
    assertArrayEquals(content, Files.readAllBytes(dst));

    Run bad = spindle("read", "slow.bin", "-o", dst.toString(), "--limit-rate", "fast");
    assertEquals(ExitCode.USAGE, bad.exit());
    assertTrue(bad.err().contains("'fast' is not a rate"), bad.err());
  }

  @Test
  void aReadWithEveryHolderDownIsUnavailableAndLeavesTheOldFile() throws IOException {
    cluster.write("seed", "f.bin", random(100));
    good.fault(ChunkHttpServer.Fault.SERVER_ERROR);
    bad.fault(ChunkHttpServer.Fault.SERVER_ERROR);
    Path dst = file("existing.bin", "old".getBytes(StandardCharsets.UTF_8));
    Run r = spindle("read", "f.bin", "-o", dst.toString());
    assertEquals(ExitCode.UNAVAILABLE, r.exit());
    assertTrue(r.err().contains("no holder served chunk 0"), r.err());
    assertEquals("old", Files.readString(dst));
    try (var files = Files.list(tmp)) {
      assertTrue(files.noneMatch(p -> p.toString().endsWith(".part")), "no temporary file left");
    }
  }

  @Test
  void overTlsTheClientTrustsTheClusterCaAndSaysWhatItNeedsWithoutIt() throws Exception {
    io.spindle.protocol.tls.ClusterCertificates certs =
        io.spindle.protocol.tls.ClusterCertificates.ensure(tmp.resolve("tls"), "test-cluster")
            .member("queue", List.of());
    QueueServer tls =
        TestServers.start(
            TestServers.config(tmp.resolve("spool-tls"))
                .withTls(
                    io.spindle.protocol.tls.ClusterTls.server(
                        certs.caFile(), certs.certFile("queue"), certs.keyFile("queue"))),
            InstantSource.system());
    open.add(0, tls);
    TestNode n =
        TestNode.start(
            tls.localAddress(),
            "n1",
            TestServers.SECRET,
            cluster,
            NodeRole.LEADER,
            1,
            true,
            io.spindle.protocol.tls.ClusterTls.client(certs.caFile()));
    open.add(0, n);
    Path src = file("secret.txt", "over tls\n".getBytes(StandardCharsets.UTF_8));

    Map<String, String> env =
        Map.of("SPINDLE_SERVERS", address(tls), "SPINDLE_CA_FILE", certs.caFile().toString());
    Run write = spindle(env, "write", src.toString(), "--name", "tls/secret.txt");
    assertEquals(0, write.exit(), write.err());
    Run cat = spindle(env, "read", "tls/secret.txt");
    assertEquals("over tls\n", new String(cat.rawOut(), StandardCharsets.UTF_8));

    Run plain = spindle(Map.of("SPINDLE_SERVERS", address(tls)), "--retry-for", "0", "ls", "tls/");
    assertEquals(ExitCode.UNAVAILABLE, plain.exit(), plain.err());
    assertTrue(plain.err().contains("--ca-file"), plain.err());

    Run missing =
        spindle(
            Map.of("SPINDLE_SERVERS", address(tls)),
            "--ca-file",
            tmp.resolve("nope.pem").toString(),
            "ls");
    assertEquals(ExitCode.USAGE, missing.exit());
    assertTrue(missing.err().contains("nope.pem"), missing.err());
  }

  @Test
  void smallFilesListCountRemoveAndNotFound() throws IOException {
    Path src = file("words.txt", "the cat\nthe hat\n".getBytes(StandardCharsets.UTF_8));
    assertEquals(0, spindle("write", src.toString(), "--name", "docs/words.txt").exit());

    Run ls = spindle("--json", "ls", "docs/");
    assertEquals(0, ls.exit(), ls.err());
    assertTrue(ls.out().startsWith("[{\"name\":\"docs/words.txt\",\"size\":16,"), ls.out());

    Run count = spindle("count", "docs/words.txt");
    assertEquals(0, count.exit(), count.err());
    assertEquals(
        List.of(
            "   lines    words    chars    bytes name",
            "       2        4       16       16 docs/words.txt"),
        count.out().lines().toList());

    Run cat = spindle("read", "docs/words.txt");
    assertEquals("the cat\nthe hat\n", new String(cat.rawOut(), StandardCharsets.UTF_8));

    assertEquals(0, spindle("rm", "docs/words.txt").exit());
    Run again = spindle("rm", "docs/words.txt");
    assertEquals(ExitCode.NOT_FOUND, again.exit());
    assertTrue(again.err().contains("no file named docs/words.txt"), again.err());
    assertEquals(
        ExitCode.NOT_FOUND,
        spindle("read", "docs/words.txt", "-o", tmp.resolve("x").toString()).exit());
    Run json = spindle("--json", "count", "docs/words.txt");
    assertTrue(json.err().startsWith("{\"error\":"), json.err());
  }

  @Test
  void countPrintsItsNumbersAsWcLwmcDoesUnderAHeader() throws Exception {
    assumeTrue(GnuWc.available(), "GNU wc is not at " + GnuWc.PATH);
    Path src =
        file(
            "prose.txt",
            "It was the best of times,\nit was the worst of times;\n\tit was the age of wisdom\n"
                .repeat(3)
                .getBytes(StandardCharsets.UTF_8));
    assertEquals(0, spindle("write", src.toString(), "--name", "docs/prose.txt").exit());

    Run count = spindle("count", "docs/prose.txt", "--locale", "c");
    assertEquals(0, count.exit(), count.err());
    List<String> lines = count.out().lines().toList();
    assertEquals(List.of("lines", "words", "chars", "bytes", "name"), fields(lines.get(0)));
    // The test cluster counts as LC_ALL=C wc does: the row reads as wc -lwmc's, name aside.
    long[] wc = GnuWc.count(src, GnuWc.lcAll(true));
    assertEquals(
        List.of(wc[0], wc[1], wc[2], wc[3]),
        fields(lines.get(1)).subList(0, 4).stream().map(Long::valueOf).toList(),
        count.out());
    assertEquals("docs/prose.txt", fields(lines.get(1)).get(4));
  }

  @Test
  void countsTableTakesWcsColumnOrderWhereCharactersAndBytesDiffer() throws Exception {
    assumeTrue(GnuWc.available(), "GNU wc is not at " + GnuWc.PATH);
    // Multibyte UTF-8: characters and bytes differ, so a swapped pair would show.
    Path src = file("utf8.txt", "naïve café\nÅngström – ½ µs\n".getBytes(StandardCharsets.UTF_8));
    long[] wc = GnuWc.count(src, GnuWc.lcAll(false));
    assertTrue(wc[2] < wc[3], "characters " + wc[2] + " under bytes " + wc[3]);
    String table =
        CountCommand.countsTable(
            CountResult.newBuilder()
                .setLines(wc[0])
                .setWords(wc[1])
                .setChars(wc[2])
                .setBytes(wc[3])
                .build(),
            "utf8.txt");
    List<String> row = fields(table.lines().toList().get(1));
    assertEquals(
        List.of(wc[0], wc[1], wc[2], wc[3]),
        row.subList(0, 4).stream().map(Long::valueOf).toList());
    String wide =
        CountCommand.countsTable(
            CountResult.newBuilder().setBytes(12_345_678_901L).setChars(12_345_678_901L).build(),
            "big");
    List<String> wideLines = wide.lines().toList();
    assertEquals(
        wideLines.get(0).indexOf("bytes") + "bytes".length(),
        wideLines.get(1).indexOf(" big"),
        "the header stays over its columns when a number is wider than 8:\n" + wide);
  }

  private static List<String> fields(String line) {
    return List.of(line.trim().split("\\s+"));
  }

  @Test
  void aClientWhoseQueueServerDiesRetriesOnTheNextWithTheSameRequestId() throws Exception {
    TestNode first = leader;
    first.hold(true);
    QueueServer other = startServer("b");
    TestNode second = node(other, "n2", NodeRole.LEADER);
    byte[] content = random(CHUNK + 5000);
    Path src = file("moving.bin", content);

    CompletableFuture<Run> write =
        CompletableFuture.supplyAsync(
            () ->
                spindle(
                    Map.of("SPINDLE_SERVERS", address(server) + "," + address(other)),
                    "write",
                    src.toString()));
    Await.until(
        Duration.ofSeconds(20),
        () -> first.held.size() == 1,
        () -> "the first server's leader holds the write");
    server.close(); // the client's queue server dies before the commit

    Run w = write.get();
    assertEquals(0, w.exit(), w.err());
    assertEquals(
        first.received.get(0).getRequestId(),
        second.received.get(0).getRequestId(),
        "the retry kept its request id");
    assertEquals(1, cluster.effects(first.received.get(0).getRequestId()));
    assertArrayEquals(content, cluster.file("moving.bin").orElseThrow().data());
    assertEquals(
        1,
        w.err().lines().filter(l -> l.contains("queue server " + address(server))).count(),
        "one line says so: " + w.err());
    assertTrue(w.err().contains("; trying " + address(other)), w.err());
  }

  // Issue 18: a client that knows one queue server learns the others from its Welcome, and when
  // that one dies mid-write (the upload queued, the leader not yet done), the write goes on
  // through another it learned, from the start (the other spool has none of it), with the same
  // request id, and one line on standard error says so.
  @Test
  void aClientLearnsTheOtherServersFromTheWelcomeAndFailsOverToThem() throws Exception {
    QueueServer other = startServer("b");
    TestNode second = node(other, "n2", NodeRole.LEADER);
    QueueServer first =
        TestServers.start(
            TestServers.config(tmp.resolve("spool-first")).withPeers(List.of(address(other))),
            InstantSource.system());
    open.add(0, first);
    TestNode holder = node(first, "n3", NodeRole.LEADER);
    holder.hold(true);
    byte[] content = random(CHUNK + 7000);
    Path src = file("learned.bin", content);

    CompletableFuture<Run> write =
        CompletableFuture.supplyAsync(
            () -> spindle(Map.of("SPINDLE_SERVERS", address(first)), "write", src.toString()));
    Await.until(
        Duration.ofSeconds(20),
        () -> holder.held.size() == 1,
        () -> "the first server's leader holds the write");
    first.close();

    Run w = write.get();
    assertEquals(0, w.exit(), w.err());
    String requestId = holder.received.get(0).getRequestId();
    assertEquals(requestId, second.received.get(0).getRequestId(), "the same request id");
    assertEquals(1, cluster.effects(requestId), "applied once");
    assertArrayEquals(content, cluster.file("learned.bin").orElseThrow().data());
    // It went away (answered UNAVAILABLE as it shut down, or the connection closed), or it was
    // already unreachable when the client tried it again: either way, one line.
    assertEquals(
        1,
        w.err()
            .lines()
            .filter(l -> l.startsWith("spindle: queue server " + address(first) + " "))
            .count(),
        w.err());
    assertTrue(w.err().contains("; trying " + address(other) + "\n"), w.err());
  }

  @Test
  void aDeadServerIsPassedOverAtOnceWithOneLineThatSaysSo() throws IOException {
    String dead = "127.0.0.1:" + freePort();
    Run r = spindle(Map.of("SPINDLE_SERVERS", dead + "," + address(server)), "ls");
    assertEquals(0, r.exit(), r.err());
    assertEquals(
        "spindle: queue server "
            + dead
            + " is unreachable (connection refused); trying "
            + address(server)
            + "\n",
        r.err());

    // Under --json the line is JSON too, and standard output holds the result alone.
    Run json = spindle(Map.of("SPINDLE_SERVERS", dead + "," + address(server)), "--json", "ls");
    assertEquals(0, json.exit(), json.err());
    assertEquals(
        "{\"notice\":\"queue server "
            + dead
            + " is unreachable (connection refused); trying "
            + address(server)
            + "\"}\n",
        json.err());
    assertTrue(json.out().startsWith("[") || json.out().startsWith("{"), json.out());
  }

  @Test
  void statusListsEveryQueueServerReachableOrNot() throws IOException {
    QueueServer other = startServer("b");
    node(other, "n2", NodeRole.FOLLOWER);
    String dead = "127.0.0.1:" + freePort();
    QueueServer first =
        TestServers.start(
            TestServers.config(tmp.resolve("spool-first")).withPeers(List.of(address(other), dead)),
            InstantSource.system());
    open.add(0, first);
    node(first, "n3", NodeRole.LEADER);
    Await.until(() -> other.status().getNodesCount() == 1, () -> "n2 reported to the other");

    Run json = spindle(Map.of("SPINDLE_SERVERS", address(first)), "--json", "status");
    assertEquals(0, json.exit(), json.err());
    assertTrue(
        json.out()
            .contains(
                "\"queueServers\":[{\"address\":\""
                    + address(first)
                    + "\",\"reachable\":true,\"error\":null,"),
        json.out());
    assertTrue(
        json.out().contains("{\"address\":\"" + address(other) + "\",\"reachable\":true,"),
        json.out());
    assertTrue(
        json.out()
            .contains(
                "{\"address\":\""
                    + dead
                    + "\",\"reachable\":false,\"error\":\"connection refused\""),
        json.out());
    assertTrue(
        json.out().contains("\"nodesConnected\":1,\"queues\":[{\"name\":\"leader\""), json.out());

    Run human = spindle(Map.of("SPINDLE_SERVERS", address(first)), "status");
    assertEquals(0, human.exit(), human.err());
    assertTrue(
        java.util.regex.Pattern.compile(
                java.util.regex.Pattern.quote(address(other)) + " +reachable +0 +0 +1  ")
            .matcher(human.out())
            .find(),
        human.out());
    assertTrue(
        human
            .out()
            .contains(
                dead
                    + " ".repeat(Math.max(1, 22 - dead.length()))
                    + "unreachable: connection refused"),
        human.out());
  }

  /** A port nothing listens on (it did a moment ago): connecting to it is refused. */
  private static int freePort() throws IOException {
    try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  @Test
  void noReachableServerIsExitStatus4() {
    Run r = spindle(Map.of("SPINDLE_SERVERS", "127.0.0.1:1"), "--retry-for", "0", "status");
    assertEquals(ExitCode.UNAVAILABLE, r.exit());
    assertTrue(r.err().contains("no queue server reachable"), r.err());
  }

  @Test
  void aClusterThatStaysBusyIsExitStatus4() throws IOException {
    QueueServer busy =
        TestServers.start(
            TestServers.config(tmp.resolve("busy"))
                .withJobs(new JobQueueSettings(1, 1, 1 << 20, Duration.ofSeconds(1), 3, 20)),
            InstantSource.system());
    open.add(0, busy);
    TestClient filler = TestClient.connect(busy.localAddress());
    open.add(0, filler);
    filler.send(
        Request.newBuilder()
            .setRequestId("filler")
            .setWriteBegin(
                WriteBegin.newBuilder()
                    .setName("x")
                    .setSize(1)
                    .setSha256(ByteString.copyFrom(FakeCluster.sha256(new byte[] {1})))
                    .setInlineData(ByteString.copyFrom(new byte[] {1})))
            .build());
    Await.until(() -> busy.status().getQueues(0).getDepth() == 1, () -> "the leader queue is full");
    Path src = file("small.txt", "hi".getBytes(StandardCharsets.UTF_8));

    Run r =
        spindle(
            Map.of("SPINDLE_SERVERS", address(busy)), "--retry-for", "1", "write", src.toString());

    assertEquals(ExitCode.UNAVAILABLE, r.exit());
    assertTrue(r.err().contains("leader queue is full"), r.err());
  }

  @Test
  void usageErrorsAreExitStatus2() throws IOException {
    assertEquals(ExitCode.USAGE, spindle("write").exit());
    assertEquals(ExitCode.USAGE, spindle("--no-such-option", "ls").exit());
    assertEquals(ExitCode.USAGE, spindle("write", tmp.resolve("missing").toString()).exit());
    assertEquals(ExitCode.USAGE, spindle("--server", "host:notaport", "ls").exit());
    Path src = file("a.txt", "a".getBytes(StandardCharsets.UTF_8));
    Run badName = spindle("write", src.toString(), "--name", "a//b");
    assertEquals(ExitCode.USAGE, badName.exit(), "the node refused the name");
    assertTrue(badName.err().contains("INVALID_ARGUMENT"), badName.err());
    // Issue 13: `--top -5` went to the cluster and made every node fail, for a minute.
    int before = leader.received.size();
    Run negativeTop = spindle("count", "docs/words.txt", "--top", "-5");
    assertEquals(ExitCode.USAGE, negativeTop.exit(), negativeTop.err());
    assertTrue(negativeTop.err().contains("--top takes 0 to 1000"), negativeTop.err());
    assertEquals(ExitCode.USAGE, spindle("count", "docs/words.txt", "--top", "1001").exit());
    assertEquals(before, leader.received.size(), "nothing was sent");
  }

  // Issue 13: clients prove who they are. Without a token, or with one the cluster does not know,
  // the client is refused at once (no retries for a minute), with exit status 5 and a sentence;
  // a read-only token reads but cannot write.
  @Test
  void aClientWithoutAGoodTokenIsRefusedAtOnceWithExitStatus5() throws IOException {
    Run none = spindle(Map.of("SPINDLE_TOKEN_FILE", tmp.resolve("none").toString()), "ls");
    assertEquals(ExitCode.USAGE, none.exit(), "a named token file that is missing: " + none.err());
    Run empty = spindle(Map.of("SPINDLE_TOKEN", ""), "ls");
    assertEquals(ExitCode.DENIED, empty.exit(), empty.err());
    assertTrue(empty.err().contains("sent no client token"), empty.err());
    Run wrong = spindle(Map.of("SPINDLE_TOKEN", "spt_wrong"), "ls");
    assertEquals(ExitCode.DENIED, wrong.exit(), wrong.err());
    assertTrue(wrong.err().contains("does not know"), wrong.err());
    Path tokenFile = file("token", TestServers.READ_TOKEN.getBytes(StandardCharsets.UTF_8));
    Path src = file("r.txt", "r".getBytes(StandardCharsets.UTF_8));
    Run write =
        spindle(
            Map.of("SPINDLE_TOKEN", "ignored-when-a-file-is-named"),
            "--token-file",
            tokenFile.toString(),
            "write",
            src.toString());
    assertEquals(ExitCode.DENIED, write.exit(), write.err());
    assertTrue(write.err().contains("PERMISSION_DENIED"), write.err());
    Run ls = spindle(Map.of("SPINDLE_TOKEN", TestServers.READ_TOKEN), "ls");
    assertEquals(0, ls.exit(), ls.err());
    assertFalse(write.err().contains(TestServers.READ_TOKEN), "the token is never printed");
  }

  @Test
  void statusAndPingShowTheCluster() throws IOException {
    node(server, "n2", NodeRole.FOLLOWER);
    Await.until(() -> server.status().getNodesCount() == 2, () -> "both nodes reported");
    Run s = spindle("--json", "status");
    assertEquals(0, s.exit(), s.err());
    assertTrue(s.out().contains("\"leaderId\":\"n1\""), s.out());
    assertTrue(s.out().contains("\"id\":\"n2\",\"role\":\"follower\""), s.out());
    assertTrue(s.out().contains("\"name\":\"leader\""), s.out());

    assertTrue(s.out().contains("\"matchIndex\":"), s.out());

    Run human = spindle("status");
    assertTrue(human.out().contains("term 1, leader n1"), human.out());
    // The leader's catch-up picture: it stores its whole log, n2 half of it (the test node says).
    assertTrue(human.out().contains("voter   n1         leader"), human.out());
    assertTrue(
        java.util.regex.Pattern.compile("voter   n2         [0-9,]+/[0-9,]+ \\(50%\\)")
            .matcher(human.out())
            .find(),
        human.out());

    Run ping = spindle("ping");
    assertEquals(0, ping.exit(), ping.err());
    assertTrue(ping.out().contains("n1"), ping.out());
  }

  @Test
  void theServerListComesFromTheEnvironmentToo() {
    Run s = spindle(Map.of("SPINDLE_SERVERS", "127.0.0.1:1," + address(server)), "ls");
    assertEquals(0, s.exit(), s.err());
    assertFalse(s.out().isEmpty());
  }

  /** The test token, unless the test gives the client one itself (or none: an empty one). */
  private static Map<String, String> withToken(Map<String, String> env) {
    if (env.containsKey("SPINDLE_TOKEN") || env.containsKey("SPINDLE_TOKEN_FILE")) {
      return env;
    }
    Map<String, String> all = new java.util.HashMap<>(env);
    all.put("SPINDLE_TOKEN", io.spindle.queue.testing.TestServers.TOKEN);
    return all;
  }
}
