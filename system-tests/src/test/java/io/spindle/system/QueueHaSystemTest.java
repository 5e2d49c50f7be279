package io.spindle.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spindle.cli.SpindleCli;
import io.spindle.protocol.queue.StatusResult;
import io.spindle.testkit.Await;
import io.spindle.testkit.GnuWc;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Logger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Two queue servers, three Payara Micro nodes each linked to both: every request completes through
 * either server; either server killed with kill -9 under a stream of writes from several clients
 * loses no acknowledged write and applies none twice, and every client finishes (the pause each
 * client saw is written to {@code queue-ha-pauses.txt} in the run directory); a server restarted on
 * its spool rejoins without running a finished job again.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class QueueHaSystemTest {
  private static final Logger LOG = Logger.getLogger(QueueHaSystemTest.class.getName());
  private static final Duration STARTUP = Duration.ofSeconds(300);
  private static final int MIB = 1 << 20;
  private static final int CLIENTS = 4;
  private static final int WRITES_BEFORE_KILL = 5;
  private static final int WRITES_AFTER_KILL = 10;
  private static final Pattern FILE_JSON =
      Pattern.compile(
          "\"name\"\\s*:\\s*\"([^\"]+)\"[^{}]*?\"sha256\"\\s*:\\s*\"([0-9a-f]{64})\""
              + "[^{}]*?\"commitIndex\"\\s*:\\s*([0-9]+)");
  private static final Pattern NUMBER_FIELD =
      Pattern.compile("\"(lines|words|bytes|chars)\"\\s*:\\s*([0-9]+)");
  private static final Pattern RANGE_NODE = Pattern.compile("\"node\"\\s*:\\s*\"([^\"]+)\"");

  private final HttpClient http = SystemTls.httpClient();
  private final String secret = "queue-ha-system-test-" + System.nanoTime() + "-0123456789";
  private final List<PayaraNode> nodes = new ArrayList<>();
  private final int[] ports = new int[2];
  private final JavaProcess[] servers = new JavaProcess[2];
  private final Map<String, Acked> acked = Collections.synchronizedMap(new TreeMap<>());
  private final List<String> pauses = Collections.synchronizedList(new ArrayList<>());
  private int serverStarts;
  private Path root;

  /** A write the cluster acknowledged: its content's SHA-256 and the commit index it was given. */
  record Acked(String sha256, long commitIndex) {}

  @BeforeAll
  void startCluster() throws Exception {
    root = Path.of(System.getProperty("spindle.system.dir"), "queue-ha-" + System.nanoTime());
    Files.createDirectories(root.resolve("files"));
    for (int i = 0; i < 2; i++) {
      ports[i] = Ports.tcp();
    }
    startServer(0);
    startServer(1);
    for (int i = 1; i <= 3; i++) {
      nodes.add(new PayaraNode("ha" + i, root));
    }
    String peers = nodes.stream().map(PayaraNode::peerEntry).collect(Collectors.joining(","));
    for (PayaraNode node : nodes) {
      Map<String, String> env = new HashMap<>();
      env.put("SPINDLE_QUEUE_SERVERS", address(0) + "," + address(1));
      env.put("SPINDLE_COUNT_RANGE_BYTES", Integer.toString(MIB));
      node.start(peers, secret, env);
    }
    for (PayaraNode node : nodes) {
      node.awaitReady(http, STARTUP);
    }
    for (int i = 0; i < 2; i++) {
      awaitAllNodes(i);
    }
  }

  @AfterAll
  void stopCluster() throws Exception {
    for (PayaraNode node : nodes) {
      node.close();
    }
    for (JavaProcess s : servers) {
      if (s != null) {
        s.kill();
      }
    }
  }

  @Test
  @Order(1)
  void everyKindOfRequestCompletesThroughEitherServer() throws Exception {
    Path x = randomFile("x.bin", 3 * MIB + 17, 1);
    Path y = randomFile("y.bin", 5000, 2);
    ok(0, "write", x.toString(), "--name", "ha/x.bin");
    ok(1, "write", y.toString(), "--name", "ha/y.bin");
    Path xBack = root.resolve("files/x-back.bin");
    Path yBack = root.resolve("files/y-back.bin");
    ok(1, "read", "ha/x.bin", "-o", xBack.toString());
    ok(0, "read", "ha/y.bin", "-o", yBack.toString());
    assertEquals(sha256(x), sha256(xBack), "x written through one server, read through the other");
    assertEquals(sha256(y), sha256(yBack), "y written through one server, read through the other");
    for (int i = 0; i < 2; i++) {
      String list = ok(i, "--json", "ls", "ha/");
      assertTrue(list.contains("ha/x.bin") && list.contains("ha/y.bin"), list);
    }
    ok(0, "rm", "ha/y.bin");
    assertTrue(!ok(1, "--json", "ls", "ha/").contains("ha/y.bin"), "deleted through the other");

    // A count whose ranges (1 MiB each) are shared out through either server's queue.
    Path text = textFile("text.txt", 6 * MIB, 3);
    ok(1, "write", text.toString(), "--name", "ha/text.txt");
    long[] wc = GnuWc.count(text, GnuWc.lcAll(true));
    for (int i = 0; i < 2; i++) {
      String json = ok(i, "--json", "--timeout", "300", "count", "ha/text.txt", "--locale", "c");
      Map<String, Long> counted = numbers(json);
      assertEquals(
          Map.of("lines", wc[0], "words", wc[1], "chars", wc[2], "bytes", wc[3]),
          counted,
          "count through server " + i + " against wc: " + json);
      assertTrue(rangeNodes(json).size() >= 2, "ranges counted by several nodes: " + json);
    }
  }

  @Test
  @Order(2)
  void eitherServerKilledUnderLoadLosesNoAcknowledgedWriteAndAppliesNoneTwice() throws Exception {
    for (int victim = 0; victim < 2; victim++) {
      writeWhileKilling(victim);
      startServer(victim);
      awaitAllNodes(victim);
    }
    Files.write(root.resolve("queue-ha-pauses.txt"), pauses);
    LOG.info(() -> "client-visible pauses after kill -9 of a queue server:\n" + pauses);
    for (int i = 0; i < 2; i++) {
      Map<String, Acked> stored = listed(ok(i, "--json", "ls", "load/"));
      for (Map.Entry<String, Acked> e : acked.entrySet()) {
        assertEquals(
            e.getValue(),
            stored.get(e.getKey()),
            e.getKey() + ": acknowledged with this content and commit index (listed by " + i + ")");
      }
      Set<String> extra = new TreeSet<>(stored.keySet());
      extra.removeAll(acked.keySet());
      assertEquals(Set.of(), extra, "files nobody was told are stored");
    }
  }

  @Test
  @Order(3)
  void aServerRestartedOnItsSpoolRunsNoFinishedJobAgain() throws Exception {
    long before = leaderCommitIndex();
    Map<String, Acked> filesBefore = listed(ok(1, "--json", "ls", ""));
    servers[0].kill();
    startServer(0);
    awaitAllNodes(0);
    try (StatusProbe probe = new StatusProbe(ports[0])) {
      probe.await(
          "the restarted server has no job queued or leased",
          s ->
              s.getLeasesCount() == 0
                  && s.getQueuesList().stream().allMatch(q -> q.getDepth() == 0));
    }
    assertEquals(before, leaderCommitIndex(), "no entry proposed for a job that had finished");
    assertEquals(filesBefore, listed(ok(0, "--json", "ls", "")));
  }

  /**
   * {@value #CLIENTS} clients write small files in a loop, half preferring each server; once each
   * has {@value #WRITES_BEFORE_KILL} acknowledged, {@code victim} is killed with kill -9; each goes
   * on until it has {@value #WRITES_AFTER_KILL} more.
   */
  private void writeWhileKilling(int victim) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(CLIENTS);
    AtomicBoolean killed = new AtomicBoolean();
    long[] killedAt = new long[1];
    List<Future<long[]>> clients = new ArrayList<>();
    int[] before = new int[CLIENTS];
    for (int c = 0; c < CLIENTS; c++) {
      int client = c;
      clients.add(
          pool.submit(
              () -> {
                List<Long> completions = new ArrayList<>();
                int afterKill = 0;
                for (int n = 0; afterKill < WRITES_AFTER_KILL; n++) {
                  if (n > 500) {
                    throw new AssertionError("client " + client + " made no progress");
                  }
                  String name = "load/v" + victim + "-c" + client + "-" + n;
                  Path file = randomFile(name.replace('/', '_'), 4096, name.hashCode());
                  String json =
                      ok(
                          client % 2,
                          "--json",
                          "--retry-for",
                          "120",
                          "write",
                          file.toString(),
                          "--name",
                          name);
                  Map<String, Acked> one = listed(json);
                  assertEquals(Set.of(name), one.keySet(), json);
                  acked.put(name, one.get(name));
                  completions.add(System.nanoTime());
                  synchronized (before) {
                    before[client]++;
                    before.notifyAll();
                  }
                  if (killed.get()) {
                    afterKill++;
                  }
                }
                return completions.stream().mapToLong(Long::longValue).toArray();
              }));
    }
    synchronized (before) {
      long deadline = System.nanoTime() + STARTUP.toNanos();
      while (java.util.Arrays.stream(before).anyMatch(k -> k < WRITES_BEFORE_KILL)) {
        long left = deadline - System.nanoTime();
        assertTrue(left > 0, "clients did not reach " + WRITES_BEFORE_KILL + " writes each");
        TimeUnit.NANOSECONDS.timedWait(before, left);
      }
      killedAt[0] = System.nanoTime();
      servers[victim].kill();
      killed.set(true);
    }
    for (int c = 0; c < CLIENTS; c++) {
      long[] completions = clients.get(c).get(600, TimeUnit.SECONDS);
      long first =
          java.util.Arrays.stream(completions).filter(t -> t > killedAt[0]).min().orElseThrow();
      String line =
          String.format(
              "kill of server %d: client %d (prefers server %d) first write done %d ms after it",
              victim, c, c % 2, (first - killedAt[0]) / 1_000_000);
      pauses.add(line);
    }
    pool.shutdown();
  }

  /** Runs the client in this JVM against server {@code preferred} first, then the other. */
  private String ok(int preferred, String... args) throws IOException {
    List<String> all =
        new ArrayList<>(List.of("--server", address(preferred) + "," + address(1 - preferred)));
    all.addAll(List.of(args));
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int exit =
        SpindleCli.run(
            all.toArray(String[]::new),
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8),
            Map.of(
                "SPINDLE_TOKEN",
                SystemTokens.TOKEN,
                "SPINDLE_CA_FILE",
                SystemTls.caFile().toString()),
            false);
    String output = out.toString(StandardCharsets.UTF_8);
    assertEquals(0, exit, all + ": " + output + err.toString(StandardCharsets.UTF_8));
    return output;
  }

  private void startServer(int i) throws IOException {
    servers[i] =
        JavaProcess.queueServer(
            ports[i],
            root.resolve("queue-" + i),
            secret,
            root.resolve("queue-" + i + "-" + (++serverStarts) + ".log"),
            "--discovery",
            "off",
            "--advertise",
            address(i),
            "--peers",
            address(1 - i));
  }

  private void awaitAllNodes(int server) throws Exception {
    Await.until(
        STARTUP,
        () -> Listeners.accepts(ports[server]),
        () -> "queue server " + server + " does not listen; see its log in " + root);
    try (StatusProbe probe = new StatusProbe(ports[server])) {
      probe.await(
          "every node links to server " + server,
          s ->
              s.getNodesList().stream().filter(n -> n.getConnected()).count() == 3
                  && !s.getLeaderId().isEmpty());
    }
  }

  private long leaderCommitIndex() throws Exception {
    try (StatusProbe probe = new StatusProbe(ports[1])) {
      StatusResult s = probe.status();
      return s.getLeaderCommitIndex();
    }
  }

  private String address(int i) {
    return "127.0.0.1:" + ports[i];
  }

  private static Map<String, Acked> listed(String json) {
    Map<String, Acked> out = new TreeMap<>();
    Matcher m = FILE_JSON.matcher(json);
    while (m.find()) {
      out.put(m.group(1), new Acked(m.group(2), Long.parseLong(m.group(3))));
    }
    return out;
  }

  private static Map<String, Long> numbers(String json) {
    Map<String, Long> out = new HashMap<>();
    Matcher m = NUMBER_FIELD.matcher(json);
    while (m.find()) {
      out.putIfAbsent(m.group(1), Long.parseLong(m.group(2)));
    }
    return out;
  }

  private static Set<String> rangeNodes(String json) {
    Set<String> out = new TreeSet<>();
    Matcher m = RANGE_NODE.matcher(json);
    while (m.find()) {
      out.add(m.group(1));
    }
    return out;
  }

  private Path randomFile(String name, int size, long seed) throws IOException {
    byte[] bytes = new byte[size];
    new SplittableRandom(seed ^ System.nanoTime()).nextBytes(bytes);
    return Files.write(root.resolve("files").resolve(name), bytes);
  }

  /** ASCII words and line breaks (wc counts them the same in every locale). */
  private Path textFile(String name, int size, long seed) throws IOException {
    String[] words = {"queue", "server", "node", "raft", "spindle", "a", "of", "failover"};
    SplittableRandom random = new SplittableRandom(seed);
    StringBuilder text = new StringBuilder(size + 16);
    while (text.length() < size) {
      text.append(words[random.nextInt(words.length)]);
      text.append(random.nextInt(12) == 0 ? '\n' : ' ');
    }
    text.setLength(size);
    return Files.writeString(root.resolve("files").resolve(name), text);
  }

  private static String sha256(Path file) throws Exception {
    return HexFormat.of()
        .formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
  }
}
