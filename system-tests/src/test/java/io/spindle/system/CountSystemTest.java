package io.spindle.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spindle.protocol.queue.LeaseView;
import io.spindle.protocol.queue.StatusResult;
import io.spindle.testkit.GnuWc;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
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
 * The distributed word count through the front door: a real queue server process, three Payara
 * Micro nodes on their own MariaDB schemas with 8 MiB count ranges, and {@code spindle count
 * --json} as a process. A generated 200 MiB text (multibyte UTF-8, no-break and other Unicode
 * spaces, CRLF, tabs, controls, invalid bytes) counts exactly as GNU {@code wc -l -w -c} (and
 * {@code -m}) counts the same bytes in both locales, with ranges counted by several nodes; then a
 * node holding ranges of a count in progress is killed with {@code kill -9}, and the count still
 * equals {@code wc}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class CountSystemTest {
  private static final Duration STARTUP = Duration.ofSeconds(300);
  private static final int MIB = 1 << 20;
  private static final long SIZE = 200L * MIB;
  private static final String NAME = "c/text-200m.txt";
  private static final Pattern NUMBER_FIELD =
      Pattern.compile("\"(lines|words|bytes|chars)\"\\s*:\\s*([0-9]+)");
  private static final Pattern RANGE_NODE = Pattern.compile("\"node\"\\s*:\\s*\"([^\"]+)\"");

  private final HttpClient http =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();
  private final String secret = "count-system-test-" + System.nanoTime() + "-0123456789";
  private final NodeSchemas schemas = new NodeSchemas();
  private final List<PayaraNode> nodes = new ArrayList<>();
  private Path root;
  private Path text;
  private int queuePort;
  private JavaProcess queueServer;
  private String peers;
  private Cli client;

  @BeforeAll
  void startCluster() throws Exception {
    root = Path.of(System.getProperty("spindle.system.dir"), "count-" + System.nanoTime());
    Files.createDirectories(root);
    queuePort = Ports.tcp();
    client = new Cli(queuePort, root);
    queueServer =
        JavaProcess.queueServer(
            queuePort, root, secret, root.resolve("queue-server.log"), "--discovery", "off");
    for (int i = 1; i <= 3; i++) {
      nodes.add(new PayaraNode("c" + i, root));
    }
    peers = nodes.stream().map(PayaraNode::peerEntry).collect(Collectors.joining(","));
    for (PayaraNode node : nodes) {
      Map<String, String> env = new HashMap<>(schemas.environment(node.id));
      env.put("SPINDLE_QUEUE_SERVERS", "127.0.0.1:" + queuePort);
      env.put("SPINDLE_COUNT_RANGE_BYTES", Integer.toString(8 * MIB));
      node.start(peers, secret, env);
    }
    text = generateText(root.resolve("text.txt"), SIZE, 6);
    for (PayaraNode node : nodes) {
      node.awaitReady(http, STARTUP);
    }
    try (StatusProbe probe = new StatusProbe(queuePort)) {
      probe.await(
          "every node reports to the queue server",
          s -> s.getNodesList().stream().filter(n -> n.getConnected()).count() == 3);
    }
    Cli.ok(client.run("write", text.toString(), "--name", NAME));
  }

  @AfterAll
  void stopCluster() throws Exception {
    for (PayaraNode node : nodes) {
      node.close();
    }
    if (queueServer != null) {
      queueServer.kill();
    }
    schemas.dropAll();
  }

  @Test
  @Order(1)
  void a200MiBTextCountsAsWcInBothLocalesWithRangesCountedBySeveralNodes() throws Exception {
    for (String locale : List.of("c", "utf8")) {
      String json =
          Cli.ok(client.run("--json", "--timeout", "300", "count", NAME, "--locale", locale));
      Map<String, Long> counted = numbers(json);
      Map<String, Long> wc = wc(text, locale);
      assertEquals(wc, counted, "spindle count --locale " + locale + " against wc: " + json);
      Set<String> counters = rangeNodes(json);
      assertTrue(counters.size() >= 2, "ranges counted by several nodes: " + json);
      assertTrue(json.replace(" ", "").contains("\"cached\":false"), json);
    }
    // The queue server hands the last answer along with the count job: whichever node takes the
    // repeat checks that the file still has that content and answers from it at once.
    String again = Cli.ok(client.run("--json", "--timeout", "300", "count", NAME, "--locale", "c"));
    assertEquals(wc(text, "c"), numbers(again), again);
    assertTrue(
        again.replace(" ", "").contains("\"cached\":true"), "same content, cached: " + again);
  }

  @Test
  @Order(2)
  void aNodeKilledWhileItCountsRangesDoesNotChangeTheCount() throws Exception {
    // Top words make the count uncached (another cache key) and longer: each range is tallied.
    JavaProcess count =
        client.start(
            "--json", "--timeout", "300", "count", NAME, "--locale", "utf8", "--top", "10");
    String victim;
    try (StatusProbe probe = new StatusProbe(queuePort)) {
      StatusResult busy =
          probe.await(
              "a node other than the coordinator holds count ranges",
              s -> rangeHolderBesidesCoordinator(s).isPresent());
      victim = rangeHolderBesidesCoordinator(busy).orElseThrow();
    }
    nodes.stream().filter(n -> n.id.equals(victim)).findFirst().orElseThrow().kill();

    assertEquals(
        0, count.await(300), "the count finished without " + victim + ": " + count.output());
    String json = count.output();
    assertEquals(wc(text, "utf8"), numbers(json), "after killing " + victim + ": " + json);
    assertTrue(json.replace(" ", "").contains("\"top\":[{"), "top words: " + json);
    assertTrue(json.replace(" ", "").contains("\"topComplete\":true"), json);
    assertFalse(rangeNodes(json).isEmpty(), json);
  }

  @Test
  @Order(3)
  void aCountAskedOfANodesApiGoesThroughTheSharedQueueAndServesTheNextAsker() throws Exception {
    List<PayaraNode> alive = nodes.stream().filter(PayaraNode::isAlive).toList();
    assertTrue(alive.size() >= 2, "two nodes survive the kill");
    // Three top words: a question not asked before, so it is counted, not looked up.
    String query = "/api/count?name=" + NAME + "&locale=c&top=3";
    CompletableFuture<HttpResponse<String>> asked =
        http.sendAsync(
            SystemTokens.request(alive.get(0).url().resolve(query))
                .timeout(Duration.ofSeconds(300))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    try (StatusProbe probe = new StatusProbe(queuePort)) {
      probe.await(
          "the REST count is a count job on the shared queue, taken by a node",
          s -> s.getLeasesList().stream().anyMatch(l -> l.getKind().equals("count")));
    }
    HttpResponse<String> first = asked.get(300, TimeUnit.SECONDS);
    assertEquals(200, first.statusCode(), first.body());
    assertEquals(wc(text, "c"), numbers(first.body()), first.body());
    assertTrue(first.body().replace(" ", "").contains("\"cached\":false"), first.body());
    assertTrue(rangeNodes(first.body()).size() >= 2, "ranges on several nodes: " + first.body());

    // The queue server keeps that answer: the CLI's same count is a look-up.
    String cli =
        Cli.ok(
            client.run("--json", "--timeout", "300", "count", NAME, "--locale", "c", "--top", "3"));
    assertEquals(wc(text, "c"), numbers(cli), cli);
    assertTrue(cli.replace(" ", "").contains("\"cached\":true"), "cached: " + cli);

    // The page's cluster panel shows the queue server's queues as the node last heard them.
    HttpResponse<String> panel =
        http.send(
            SystemTokens.request(alive.get(1).url().resolve("/page/cluster"))
                .timeout(Duration.ofSeconds(30))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertEquals(200, panel.statusCode(), panel.body());
    String compact = panel.body().replace(" ", "");
    assertTrue(
        compact.contains("\"server\":\"127.0.0.1:" + queuePort + "\"")
            && compact.contains("\"name\":\"leader\"")
            && compact.contains("\"name\":\"shared\"")
            && compact.contains("\"ready\":true")
            && compact.contains("\"queueConnected\":true"),
        panel.body());

    HttpResponse<String> missing =
        http.send(
            SystemTokens.request(alive.get(1).url().resolve("/api/count?name=c/none.txt"))
                .timeout(Duration.ofSeconds(60))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertEquals(404, missing.statusCode(), missing.body());
    assertTrue(missing.body().contains("no file named"), missing.body());
  }

  // ---------------------------------------------------------------- helpers

  /** A node holding a count range that does not hold the count job itself (the coordinator). */
  private static Optional<String> rangeHolderBesidesCoordinator(StatusResult s) {
    Set<String> coordinators = new TreeSet<>();
    for (LeaseView l : s.getLeasesList()) {
      if (l.getKind().equals("count")) {
        coordinators.add(l.getNodeId());
      }
    }
    return s.getLeasesList().stream()
        .filter(l -> l.getKind().equals("count-range"))
        .map(LeaseView::getNodeId)
        .filter(n -> !coordinators.contains(n))
        .findFirst();
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

  /** GNU wc's lines, words, characters and bytes of the file in the locale. */
  private static Map<String, Long> wc(Path file, String locale) throws Exception {
    long[] f = GnuWc.count(file, GnuWc.lcAll(locale.equals("c")));
    return Map.of("lines", f[0], "words", f[1], "chars", f[2], "bytes", f[3]);
  }

  /**
   * Text of words (ASCII, accented, Greek, CJK, emoji, mixed case) between every kind of space wc
   * knows (and no-break ones it does not), with CRLF, controls, NULs and invalid or cut UTF-8.
   */
  private static Path generateText(Path file, long size, long seed) throws IOException {
    String[] words = {
      "the", "Spindle", "count", "word", "Raft", "of", "a", "node", "café", "naïve", "Straße",
      "ÉCOLE", "Ελληνικά", "中文", "日本語", "😀", "x", "42", "don't", "e-mail", "—", "«quote»"
    };
    String[] spaces = {
      " ", " ", " ", " ", "\n", "\t", "\r\n", "  ", "\u00a0", "\u2007", "\u202f", "\u3000",
      "\u2003", "\u000b", "\f"
    };
    byte[][] wordBytes = bytes(words);
    byte[][] spaceBytes = bytes(spaces);
    byte[][] odd = {{0}, {1}, {(byte) 0xff}, {(byte) 0xc3}, {0x7f}, {(byte) 0xe2, (byte) 0x80}};
    SplittableRandom random = new SplittableRandom(seed);
    try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 20)) {
      long written = 0;
      while (written < size) {
        // A word, now and then an odd byte stuck to it, then a space of some kind: the words stay
        // few and distinct enough for the top words to be complete.
        written += write(out, wordBytes[random.nextInt(wordBytes.length)], size - written);
        if (random.nextInt(100) == 0) {
          written += write(out, odd[random.nextInt(odd.length)], size - written);
        }
        written += write(out, spaceBytes[random.nextInt(spaceBytes.length)], size - written);
      }
    }
    return file;
  }

  private static int write(OutputStream out, byte[] piece, long room) throws IOException {
    int n = (int) Math.min(piece.length, room);
    out.write(piece, 0, n);
    return n;
  }

  private static byte[][] bytes(String[] strings) {
    byte[][] out = new byte[strings.length][];
    for (int i = 0; i < strings.length; i++) {
      out[i] = strings[i].getBytes(StandardCharsets.UTF_8);
    }
    return out;
  }
}
