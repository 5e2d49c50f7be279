package io.spindle.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spindle.protocol.queue.Job;
import io.spindle.protocol.queue.NodeRole;
import io.spindle.queue.QueueServer;
import io.spindle.queue.jobs.JobQueueSettings;
import io.spindle.queue.testing.FakeCluster;
import io.spindle.queue.testing.TestNode;
import io.spindle.queue.testing.TestServers;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code spindle bench queue} against an in-JVM queue server, a leader test node over the real node
 * protocol, and three JDK HTTP servers standing in for the nodes' chunk endpoints.
 */
class BenchCommandTest {
  private static final int CHUNK = 1024 * 1024;
  private static final Pattern LINE =
      Pattern.compile("(queue\\.[a-z0-9.]+) (\\d+(?:\\.\\d)?) (\\S+)");

  @TempDir Path tmp;
  private final FakeCluster cluster = new FakeCluster();
  private final List<AutoCloseable> open = new ArrayList<>();
  private QueueServer server;
  private TestNode leader;

  record Run(int exit, String out, String err) {}

  private int servers;

  @BeforeEach
  void start() throws IOException {
    startWith(TestServers.config(tmp.resolve("unused")).jobs());
  }

  /** A fresh cluster: three chunk endpoints, a queue server with these limits, a leader. */
  private void startWith(JobQueueSettings limits) throws IOException {
    cluster.setReadChunkSize(CHUNK);
    for (String id : List.of("n1", "n2", "n3")) {
      ChunkHttpServer http = new ChunkHttpServer(cluster, CHUNK);
      open.add(http);
      cluster.addMember(id, http.url());
    }
    server =
        TestServers.start(
            TestServers.config(tmp.resolve("spool-" + servers++)).withJobs(limits),
            InstantSource.system());
    open.add(0, server);
    leader =
        TestNode.start(
            server.localAddress(), "n1", TestServers.SECRET, cluster, NodeRole.LEADER, 1);
    open.add(0, leader);
  }

  private void restartWith(JobQueueSettings limits) throws Exception {
    stop();
    startWith(limits);
  }

  @AfterEach
  void stop() throws Exception {
    for (AutoCloseable c : open) {
      c.close();
    }
    open.clear();
  }

  private Run bench(String... args) {
    List<String> all =
        new ArrayList<>(List.of("--server", "127.0.0.1:" + server.localAddress().getPort()));
    all.addAll(List.of("bench", "queue"));
    all.addAll(List.of(args));
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int exit =
        SpindleCli.run(
            all.toArray(String[]::new),
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8),
            Map.of("SPINDLE_TOKEN", io.spindle.queue.testing.TestServers.TOKEN),
            false);
    return new Run(
        exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  /** The NAME VALUE UNIT lines, failing on any other line. */
  private static Map<String, Double> results(Run r, Map<String, String> units) {
    Map<String, Double> values = new LinkedHashMap<>();
    for (String line : r.out().split("\n")) {
      Matcher m = LINE.matcher(line);
      assertTrue(m.matches(), "not a NAME VALUE UNIT line: '" + line + "' in\n" + r.out());
      assertEquals(units.get(m.group(1)), m.group(3), "unit of " + m.group(1));
      values.put(m.group(1), Double.parseDouble(m.group(2)));
    }
    assertEquals(units.keySet(), values.keySet(), r.out());
    return values;
  }

  private int filesUnder(String prefix) {
    return cluster.list(prefix).getList().getFilesCount();
  }

  private long jobs(Job.KindCase kind) {
    return leader.received.stream().filter(j -> j.getKindCase() == kind).count();
  }

  @Test
  void smallWritesAndAParallelReadPrintWellFormedResultsAndLeaveNothingBehind() {
    Run r =
        bench(
            "--writes",
            "500",
            "--warmup",
            "50",
            "--in-flight",
            "32",
            "--read-mib",
            "4",
            "--prefix",
            "bench/t/",
            "--timeout",
            "120");

    assertEquals(0, r.exit(), r.err());
    Map<String, Double> v =
        results(
            r,
            Map.of(
                "queue.small.jobs", "jobs/s",
                "queue.small.p50", "ms",
                "queue.small.p99", "ms",
                "queue.small.busy", "count",
                "queue.write.mbps", "MB/s",
                "queue.read.single.mbps", "MB/s",
                "queue.read.mbps", "MB/s"));
    assertTrue(v.get("queue.small.jobs") > 0, r.out());
    assertTrue(v.get("queue.small.p50") > 0, r.out());
    assertTrue(v.get("queue.small.p99") >= v.get("queue.small.p50"), r.out());
    assertTrue(v.get("queue.read.mbps") > 0, r.out());
    assertTrue(v.get("queue.write.mbps") > 0, r.out());
    assertTrue(v.get("queue.read.single.mbps") > 0, r.out());
    assertTrue(r.err().contains("3 holders served chunks (n1, n2, n3)"), r.err());
    assertTrue(jobs(Job.KindCase.WRITE) >= 551, "550 small writes and the big one went through");
    assertEquals(0, filesUnder("bench/t/"), "every written file was deleted");
    assertTrue(r.err().contains("deleted the 551 files written under bench/t/"), r.err());
  }

  @Test
  void busyAnswersAreRetriedAndCounted() throws Exception {
    restartWith(new JobQueueSettings(2, 2, 1 << 20, Duration.ofSeconds(1), 5, 20));

    Run r =
        bench(
            "--writes",
            "200",
            "--warmup",
            "0",
            "--in-flight",
            "64",
            "--connections",
            "2",
            "--read-mib",
            "0",
            "--prefix",
            "busy/",
            "--timeout",
            "120");

    assertEquals(0, r.exit(), r.err());
    Map<String, Double> v =
        results(
            r,
            Map.of(
                "queue.small.jobs", "jobs/s",
                "queue.small.p50", "ms",
                "queue.small.p99", "ms",
                "queue.small.busy", "count"));
    assertTrue(v.get("queue.small.busy") > 0, "a queue of 2 turned some of 64 writes away");
    assertTrue(r.err().contains("BUSY answers"), r.err());
    assertEquals(0, filesUnder("busy/"));
  }

  @Test
  void keepLeavesTheFilesAndTheDefaultPrefixIsRandom() {
    Run r = bench("--writes", "20", "--warmup", "0", "--read-mib", "0", "--keep");

    assertEquals(0, r.exit(), r.err());
    Matcher m = Pattern.compile("under (bench/[0-9a-f]{8}/),").matcher(r.err());
    assertTrue(m.find(), r.err());
    assertEquals(20, filesUnder(m.group(1)));
  }

  @Test
  void anErrorOtherThanBusyFailsTheBenchAndSaysWhy() {
    Run r = bench("--writes", "10", "--warmup", "0", "--read-mib", "0", "--prefix", "/bad/");

    assertEquals(ExitCode.USAGE, r.exit(), r.err());
    assertTrue(r.err().contains("INVALID_ARGUMENT"), r.err());
    assertEquals("", r.out());
  }

  @Test
  void theTimeoutBoundsTheWholeRun() {
    leader.hold(true); // the leader takes the writes and never commits them

    Run r = bench("--writes", "10", "--warmup", "0", "--read-mib", "0", "--timeout", "1");

    assertEquals(ExitCode.UNAVAILABLE, r.exit(), r.err());
    assertTrue(r.err().contains("write ran out of time: 0 of 10 requests answered"), r.err());
    assertEquals("", r.out());
  }

  @Test
  void usageErrors() {
    assertEquals(ExitCode.USAGE, bench("--writes", "0").exit());
    Run tooBig = bench("--size", "70000", "--read-mib", "0", "--writes", "1", "--warmup", "0");
    assertEquals(ExitCode.USAGE, tooBig.exit());
    assertTrue(tooBig.err().contains("takes inline (65536 bytes)"), tooBig.err());
  }
}
