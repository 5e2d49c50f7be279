package io.spindle.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Three real Payara Micro nodes on the database a subclass gives them: files of 0 B, 1 B, 1 MiB -
 * 1, 1 MiB, 1 MiB + 1 and 50 MiB written through a follower (which passes it on to the leader) and
 * through the leader read back from every node with the same SHA-256; then the leader is killed
 * with kill -9 while a client writes, every acknowledged write is on both survivors, they elect a
 * new leader and keep taking writes, and the killed node, restarted, catches up with all of them.
 * The nodes snapshot every {@value #SNAPSHOT_ENTRIES} entries and keep {@value #KEEP_ENTRIES}
 * behind, so the restarted node usually finds the leader's log compacted past its own and catches
 * up by InstallSnapshot.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class FileReplicationScenario {
  private static final Duration STARTUP = Duration.ofSeconds(300);

  /** How long a read answered 503 (no leader yet) is asked again before its answer counts. */
  private static final Duration UNAVAILABLE_WAIT = Duration.ofSeconds(60);

  static final int SNAPSHOT_ENTRIES = 8;
  static final int KEEP_ENTRIES = 2;
  private static final Duration ELECTION = Duration.ofSeconds(30);
  private static final Pattern ROLE = Pattern.compile("\"role\":\"([A-Z]+)\"");
  private static final Pattern LEADER = Pattern.compile("\"leaderId\":\"([^\"]+)\"");

  private final HttpClient http =
      HttpClient.newBuilder()
          // HTTP/1.1: the JDK client upgrades to h2c, and Payara Micro then drops some answers
          // ("EOF reached while reading").
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();
  final List<PayaraNode> nodes = new ArrayList<>();
  final Map<String, String> expected = new LinkedHashMap<>();
  private String peers;
  private final String secret = "system-test-secret-" + System.nanoTime() + "-0123456789";

  /** The {@code SPINDLE_DB_*} settings of a node; empty for the embedded H2 database. */
  abstract Map<String, String> database(PayaraNode node) throws Exception;

  /** Checks that every node's database holds the same replicated state. */
  abstract void assertDatabasesIdentical() throws Exception;

  /** Empties a (stopped) node's database, as if it were new. */
  abstract void wipeDatabase(PayaraNode node) throws Exception;

  private Map<String, String> environment(PayaraNode node) throws Exception {
    Map<String, String> env = new LinkedHashMap<>(database(node));
    env.put("SPINDLE_RAFT_SNAPSHOT_ENTRIES", Integer.toString(SNAPSHOT_ENTRIES));
    env.put("SPINDLE_RAFT_KEEP_ENTRIES", Integer.toString(KEEP_ENTRIES));
    return env;
  }

  @BeforeAll
  void startCluster() throws Exception {
    Path root = Path.of(System.getProperty("spindle.system.dir"), "run-" + System.nanoTime());
    for (int i = 1; i <= 3; i++) {
      nodes.add(new PayaraNode("s" + i, root));
    }
    peers = nodes.stream().map(PayaraNode::peerEntry).collect(Collectors.joining(","));
    for (PayaraNode node : nodes) {
      node.start(peers, secret, environment(node));
    }
    for (PayaraNode node : nodes) {
      node.awaitReady(http, STARTUP);
    }
  }

  @AfterAll
  void stopCluster() throws InterruptedException {
    for (PayaraNode node : nodes) {
      node.close();
    }
  }

  @Test
  void filesReplicateToEveryNodeAndSurviveTheLeadersCrash() throws Exception {
    PayaraNode leader = awaitLeader(nodes);
    PayaraNode follower = nodes.stream().filter(n -> n != leader).findFirst().orElseThrow();
    SplittableRandom random = new SplittableRandom(42);
    int mib = 1 << 20;
    int[] sizes = {0, 1, mib - 1, mib, mib + 1, 50 * mib};
    for (int size : sizes) {
      putThroughFollower(follower, "via-follower/" + size + ".bin", bytes(random, size));
      put(leader.url(), "via-leader/" + size + ".bin", bytes(random, size), 201);
    }
    assertEveryNodeHasEverything(nodes, false);

    // kill -9 the leader while a client writes: every write acknowledged before, during and after
    // the crash must be on every surviving node. A write whose answer was lost may or may not have
    // committed; the new leader tells which, and a committed one must be whole.
    List<PayaraNode> survivors = nodes.stream().filter(n -> n != leader).toList();
    Writer writer = new Writer(nodes);
    writer.start();
    try {
      writer.awaitAcknowledged(20);
      leader.kill();
      writer.awaitAcknowledged(writer.acknowledged.size() + 20);
    } finally {
      writer.stop();
    }
    PayaraNode newLeader = awaitLeader(survivors);
    expected.putAll(writer.acknowledged);
    for (Map.Entry<String, String> attempt : writer.uncertain.entrySet()) {
      HttpResponse<byte[]> read = get(newLeader, attempt.getKey(), false);
      if (read.statusCode() == 200) {
        assertEquals(attempt.getValue(), sha256(read.body()), "a half-applied " + attempt);
        expected.put(attempt.getKey(), attempt.getValue());
      } else {
        assertEquals(404, read.statusCode(), attempt.getKey());
      }
    }
    put(newLeader.url(), "after-crash/a.bin", bytes(random, 3 * mib + 7), 201);
    assertEveryNodeHasEverything(survivors, false);

    leader.start(peers, secret, environment(leader));
    leader.awaitReady(http, STARTUP);
    awaitCaughtUp(leader);
    assertEveryNodeHasEverything(nodes, true);
    assertDatabasesIdentical();
  }

  @Test
  void aNodeWipedOfItsDataAndDatabaseIsRebuiltByInstallSnapshot() throws Exception {
    PayaraNode leader = awaitLeader(nodes);
    put(leader.url(), "before-wipe/b.bin", bytes(new SplittableRandom(7), (1 << 20) + 3), 201);
    PayaraNode victim = nodes.stream().filter(n -> n != leader).findFirst().orElseThrow();
    awaitCaughtUp(victim);

    victim.kill();
    victim.wipeData();
    wipeDatabase(victim);
    victim.start(peers, secret, environment(victim));
    victim.awaitReady(http, STARTUP);
    awaitCaughtUp(victim);
    assertEveryNodeHasEverything(nodes, true);
    assertDatabasesIdentical();
  }

  // ---------------------------------------------------------------- steps

  /**
   * Puts 64 KiB files at whichever live node takes them until stopped, recording the acknowledged
   * writes and those whose outcome is unknown (the connection broke, or a node answered an error).
   */
  private final class Writer {
    final Map<String, String> acknowledged = new ConcurrentHashMap<>();
    final Map<String, String> uncertain = new ConcurrentHashMap<>();
    private final List<PayaraNode> among;
    private final AtomicBoolean writing = new AtomicBoolean(true);
    private final Thread thread = new Thread(this::run, "writer");
    private volatile Throwable failure;

    Writer(List<PayaraNode> among) {
      this.among = among;
    }

    void start() {
      thread.start();
    }

    void stop() throws InterruptedException {
      writing.set(false);
      thread.join(Duration.ofSeconds(60).toMillis());
      assertTrue(!thread.isAlive(), "the writer did not stop");
      if (failure != null) {
        fail("the writer failed", failure);
      }
    }

    void awaitAcknowledged(int count) throws Exception {
      Instant deadline = Instant.now().plus(ELECTION.multipliedBy(2));
      while (acknowledged.size() < count && failure == null) {
        if (Instant.now().isAfter(deadline)) {
          fail("only " + acknowledged.size() + " of " + count + " writes acknowledged in time");
        }
        Thread.sleep(100);
      }
    }

    private void run() {
      SplittableRandom random = new SplittableRandom(99);
      try {
        for (int i = 0; writing.get(); i++) {
          String name = "during-crash/" + i + ".bin";
          byte[] content = bytes(random, 64 << 10);
          String sha = sha256(content);
          while (writing.get() && !acknowledged.containsKey(name)) {
            for (PayaraNode node : among) {
              if (node.isAlive() && tryPut(node, name, content)) {
                acknowledged.put(name, sha);
                uncertain.remove(name);
                break;
              }
              uncertain.put(name, sha);
            }
          }
        }
      } catch (Throwable t) {
        failure = t;
      }
    }

    /** True if {@code node} acknowledged the write; false if it may or may not have happened. */
    private boolean tryPut(PayaraNode node, String name, byte[] content) throws Exception {
      try {
        HttpResponse<String> response =
            http.send(
                SystemTokens.request(node.url().resolve("/api/files/" + name))
                    .timeout(Duration.ofSeconds(10))
                    .PUT(HttpRequest.BodyPublishers.ofByteArray(content))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
        return response.statusCode() == 201 || response.statusCode() == 200;
      } catch (IOException e) {
        return false; // that node went down or lost the leadership mid-write
      }
    }
  }

  /** A follower passes the upload on to the leader and relays its answer. */
  private void putThroughFollower(PayaraNode follower, String name, byte[] content)
      throws Exception {
    put(follower.url(), name, content, 201);
  }

  private void put(URI node, String name, byte[] content, int status) throws Exception {
    HttpResponse<String> response = send(node, name, content);
    assertEquals(status, response.statusCode(), response.body());
    assertTrue(response.body().contains(sha256(content)), response.body());
    expected.put(name, sha256(content));
  }

  private HttpResponse<String> send(URI node, String name, byte[] content) throws Exception {
    return http.send(
        SystemTokens.request(node.resolve("/api/files/" + name))
            .PUT(HttpRequest.BodyPublishers.ofByteArray(content))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private void assertEveryNodeHasEverything(List<PayaraNode> among, boolean stale)
      throws Exception {
    for (PayaraNode node : among) {
      for (Map.Entry<String, String> file : expected.entrySet()) {
        HttpResponse<byte[]> read = get(node, file.getKey(), stale);
        assertEquals(
            200,
            read.statusCode(),
            () ->
                node.id
                    + " "
                    + file.getKey()
                    + ": "
                    + new String(read.body(), StandardCharsets.UTF_8));
        assertEquals(file.getValue(), sha256(read.body()), node.id + " " + file.getKey());
      }
    }
  }

  private void awaitCaughtUp(PayaraNode node) throws Exception {
    Instant deadline = Instant.now().plus(STARTUP);
    String last = expected.keySet().stream().reduce((a, b) -> b).orElseThrow();
    while (Instant.now().isBefore(deadline)) {
      if (get(node, last, true).statusCode() == 200) {
        return;
      }
      Thread.sleep(250);
    }
    fail(node.id + " did not catch up within " + STARTUP + "; see " + node.dir.resolve("node.log"));
  }

  /**
   * GET of a file, as a client does it: a 503 (no leader to confirm the read with, during an
   * election the load or a slow machine caused) is asked again after its Retry-After, for up to
   * {@link #UNAVAILABLE_WAIT}; any other answer is returned as it came.
   */
  private HttpResponse<byte[]> get(PayaraNode node, String name, boolean stale) throws Exception {
    Instant deadline = Instant.now().plus(UNAVAILABLE_WAIT);
    while (true) {
      HttpResponse<byte[]> response =
          http.send(
              SystemTokens.request(
                      node.url().resolve("/api/files/" + name + (stale ? "?stale=true" : "")))
                  .timeout(Duration.ofSeconds(60))
                  .build(),
              HttpResponse.BodyHandlers.ofByteArray());
      if (response.statusCode() != 503 || Instant.now().isAfter(deadline)) {
        return response;
      }
      long seconds = response.headers().firstValueAsLong("Retry-After").orElse(1);
      Thread.sleep(Math.min(5, Math.max(1, seconds)) * 1000); // the back-off the 503 asked for
    }
  }

  private PayaraNode awaitLeader(List<PayaraNode> among) throws Exception {
    Instant deadline = Instant.now().plus(ELECTION);
    while (Instant.now().isBefore(deadline)) {
      for (PayaraNode node : among) {
        Optional<String> cluster = cluster(node);
        if (cluster.isPresent() && "LEADER".equals(match(ROLE, cluster.get()))) {
          String leaderId = node.id;
          boolean agreed =
              among.stream()
                  .allMatch(
                      n -> cluster(n).map(c -> leaderId.equals(match(LEADER, c))).orElse(false));
          if (agreed) {
            return node;
          }
        }
      }
      Thread.sleep(200);
    }
    fail("no leader among " + among.stream().map(n -> n.id).toList() + " within " + ELECTION);
    return null;
  }

  private Optional<String> cluster(PayaraNode node) {
    return node.apiGet(http, "/api/cluster");
  }

  private static String match(Pattern pattern, String json) {
    Matcher m = pattern.matcher(json);
    return m.find() ? m.group(1) : null;
  }

  private static byte[] bytes(SplittableRandom random, int size) {
    byte[] bytes = new byte[size];
    random.nextBytes(bytes);
    return bytes;
  }

  private static String sha256(byte[] content) throws NoSuchAlgorithmException {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
  }

  static {
    // Keep the JDK's HttpClient from pooling connections to a node that is killed.
    System.setProperty("jdk.httpclient.keepalive.timeout", "2");
  }
}
