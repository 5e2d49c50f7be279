package io.spindle.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.logging.Logger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Scale-out with real parts: a queue server process whose discovery server answers on loopback
 * (multicast out of lo with TTL 0 and unicast to 127.0.0.1, on free UDP ports: nothing leaves the
 * machine), Payara Micro nodes on their own MariaDB schemas. One node bootstraps the cluster; four
 * more start with no peers and find it by discovery while a client writes and reads through the
 * REST API; the voters go 1 → 3 → 5. Then one voter is killed (kill -9) and the writes go on;
 * another stops gracefully and is removed from the configuration at once; the killed one starts
 * again on other ports and is back as the same voter with its data, at its new address. At the end
 * every acknowledged write is on every remaining node, whole (SHA-256).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ScaleOutSystemTest {
  private static final Logger LOG = Logger.getLogger(ScaleOutSystemTest.class.getName());
  private static final Duration STARTUP = Duration.ofSeconds(300);
  private static final Pattern MEMBER = Pattern.compile("\\{[^{}]*\"id\":\"([^\"]+)\"[^{}]*\\}");
  private static final Pattern ROLE = Pattern.compile("\"role\":\"([A-Z]+)\"");

  private final HttpClient http =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();
  private final String secret = "scale-out-system-test-" + System.nanoTime() + "-0123456789";
  private final NodeSchemas schemas = new NodeSchemas();
  private final List<PayaraNode> nodes = new CopyOnWriteArrayList<>();
  private final Set<PayaraNode> down = ConcurrentHashMap.newKeySet();

  /** The nodes the client talks to: ready ones (a deploying Payara answers 404 for anything). */
  private final Set<PayaraNode> serving = ConcurrentHashMap.newKeySet();

  private Path root;
  private int queuePort;
  private int discoveryPort;
  private int multicastPort;
  private JavaProcess queueServer;
  private Load load;

  @AfterAll
  void stopEverything() throws Exception {
    if (load != null) {
      load.stop();
    }
    for (PayaraNode node : nodes) {
      node.kill();
    }
    if (queueServer != null) {
      queueServer.kill();
    }
    schemas.dropAll();
  }

  @Test
  void growsFromOneToFiveVotersUnderLoadAndKeepsEveryAcknowledgedWrite() throws Exception {
    long started = System.nanoTime();
    root = Path.of(System.getProperty("spindle.system.dir"), "scale-out-" + System.nanoTime());
    Files.createDirectories(root);
    queuePort = freeTcpPort();
    discoveryPort = freeUdpPort();
    multicastPort = freeUdpPort();
    queueServer =
        JavaProcess.queueServer(
            queuePort,
            root,
            secret,
            root.resolve("queue-server.log"),
            "--discovery",
            "loopback",
            "--discovery-port",
            Integer.toString(discoveryPort),
            "--multicast-port",
            Integer.toString(multicastPort));

    PayaraNode s1 = start("s1", true);
    s1.awaitReady(http, STARTUP);
    serving.add(s1);
    load = new Load();
    load.start();
    awaitAcked(3, "the client writes to the one-voter cluster");

    // 1 → 3: two nodes with no peers, started together (the leader makes one change at a time).
    PayaraNode s2 = start("s2", false);
    PayaraNode s3 = start("s3", false);
    awaitVoters(Set.of("s1", "s2", "s3"));
    serving.addAll(List.of(s2, s3));
    long atThree = load.acked();

    // 3 → 5.
    PayaraNode s4 = start("s4", false);
    PayaraNode s5 = start("s5", false);
    awaitVoters(Set.of("s1", "s2", "s3", "s4", "s5"));
    serving.addAll(List.of(s4, s5));
    awaitAcked(atThree + 3, "writes go on while the cluster grows");
    LOG.info(() -> "five voters after " + seconds(started) + " s; " + load.report());

    // kill -9 a voter that does not lead; the other four are a majority.
    PayaraNode victim = follower(s2, s3);
    serving.remove(victim);
    victim.kill();
    down.add(victim);
    long atKill = load.acked();
    awaitAcked(atKill + 5, "writes go on with " + victim.id + " killed");

    // A graceful stop removes the node from the configuration, promptly.
    PayaraNode leaving = follower(s4, s5);
    serving.remove(leaving);
    down.add(leaving);
    long stopStart = System.nanoTime();
    leaving.close();
    long stopMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - stopStart);
    Set<String> remainingIds = new TreeSet<>(Set.of("s1", "s2", "s3", "s4", "s5"));
    remainingIds.remove(leaving.id);
    awaitVoters(remainingIds);
    assertTrue(stopMillis < 15_000, leaving.id + " took " + stopMillis + " ms to leave and stop");
    LOG.info(() -> leaving.id + " left and stopped in " + stopMillis + " ms");

    // The killed voter starts again elsewhere (other Raft and web ports) with its id and data:
    // the same voter, no new member, at its new address (it announces itself by discovery and
    // the leader gives it the new address).
    Map<String, String> addressesAfter = new TreeMap<>(addresses(leaderView()));
    victim.moveToNewPorts();
    addressesAfter.put(victim.id, "127.0.0.1:" + victim.raftPort);
    startAgain(victim);
    down.remove(victim);
    victim.awaitReady(http, STARTUP);
    awaitVoters(remainingIds);
    await(
        Duration.ofSeconds(60),
        () -> {
          try {
            return addressesAfter.equals(addresses(leaderView()));
          } catch (Exception e) {
            return false;
          }
        },
        () -> "the leader knows " + victim.id + " at its new address: " + addressesAfter);
    serving.add(victim);
    long atRestart = load.acked();
    awaitAcked(atRestart + 3, "writes go on after " + victim.id + " is back");

    load.stop();
    assertEquals(List.of(), load.errors(), "reads under load saw only whole, acknowledged files");
    List<PayaraNode> remaining = nodes.stream().filter(n -> !n.id.equals(leaving.id)).toList();
    for (PayaraNode node : remaining) {
      assertHasEverything(node, load.acknowledged());
    }
    LOG.info(
        () ->
            "every one of "
                + load.acknowledged().size()
                + " acknowledged writes is whole on "
                + remaining.stream().map(n -> n.id).toList()
                + "; "
                + load.report()
                + "; the scenario took "
                + seconds(started)
                + " s");
  }

  // ---------------------------------------------------------------- nodes

  private PayaraNode start(String id, boolean bootstrap) throws Exception {
    PayaraNode node = new PayaraNode(id, root);
    nodes.add(node);
    node.start("", secret, environment(node, bootstrap));
    return node;
  }

  private void startAgain(PayaraNode node) throws Exception {
    node.start("", secret, environment(node, false));
  }

  private Map<String, String> environment(PayaraNode node, boolean bootstrap) throws Exception {
    Map<String, String> env = new HashMap<>(schemas.environment(node.id));
    env.put("SPINDLE_QUEUE_SERVERS", "127.0.0.1:" + queuePort);
    env.put("SPINDLE_DISCOVERY_MODE", "loopback");
    env.put("SPINDLE_DISCOVERY_PORT", Integer.toString(discoveryPort));
    env.put("SPINDLE_DISCOVERY_MULTICAST_PORT", Integer.toString(multicastPort));
    if (bootstrap) {
      env.put("SPINDLE_BOOTSTRAP", "true");
    }
    return env;
  }

  private List<PayaraNode> live() {
    return nodes.stream().filter(n -> !down.contains(n) && n.isAlive()).toList();
  }

  /** One of {@code candidates} that is not the leader now. */
  private PayaraNode follower(PayaraNode... candidates) throws Exception {
    String leader = match(Pattern.compile("\"leaderId\":\"([^\"]+)\""), leaderView());
    for (PayaraNode n : candidates) {
      if (!n.id.equals(leader)) {
        return n;
      }
    }
    throw new AssertionError("all of them lead?");
  }

  /** The leader's {@code /api/cluster}, once some live node says it leads. */
  private String leaderView() throws Exception {
    String[] view = new String[1];
    await(
        Duration.ofSeconds(60),
        () -> {
          for (PayaraNode n : live()) {
            Optional<String> c = cluster(n);
            if (c.isPresent() && "LEADER".equals(match(ROLE, c.get()))) {
              view[0] = c.get();
              return true;
            }
          }
          return false;
        },
        () -> "a live node leads");
    return view[0];
  }

  private void awaitVoters(Set<String> expected) throws Exception {
    long start = System.nanoTime();
    String[] last = {""};
    await(
        STARTUP,
        () -> {
          for (PayaraNode n : live()) {
            Optional<String> c = cluster(n);
            if (c.isPresent() && "LEADER".equals(match(ROLE, c.get()))) {
              last[0] = c.get();
              Map<String, Boolean> members = members(c.get());
              return members.keySet().equals(expected)
                  && members.values().stream().allMatch(v -> v);
            }
          }
          return false;
        },
        () -> "voters " + expected + "; the leader's view: " + last[0]);
    LOG.info(() -> "voters " + expected + " after " + seconds(start) + " s; " + load.report());
  }

  /** Member id → voter, from a node's {@code /api/cluster}. */
  private static Map<String, Boolean> members(String cluster) {
    Map<String, Boolean> members = new TreeMap<>();
    Matcher m = MEMBER.matcher(cluster.substring(cluster.indexOf("\"members\"")));
    while (m.find()) {
      members.put(m.group(1), m.group().contains("\"voter\":true"));
    }
    return members;
  }

  /** Member id → its Raft address, from a node's {@code /api/cluster}. */
  private static Map<String, String> addresses(String cluster) {
    Map<String, String> addresses = new TreeMap<>();
    Matcher m = MEMBER.matcher(cluster.substring(cluster.indexOf("\"members\"")));
    while (m.find()) {
      addresses.put(m.group(1), match(Pattern.compile("\"raftAddress\":\"([^\"]+)\""), m.group()));
    }
    return addresses;
  }

  private Optional<String> cluster(PayaraNode node) {
    try {
      HttpResponse<String> r =
          http.send(
              SystemTokens.request(node.url().resolve("/api/cluster"))
                  .timeout(Duration.ofSeconds(5))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      return r.statusCode() == 200 ? Optional.of(r.body().replace(" ", "")) : Optional.empty();
    } catch (IOException e) {
      return Optional.empty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.empty();
    }
  }

  /** Every acknowledged file reads back whole from {@code node}'s own copy (once caught up). */
  private void assertHasEverything(PayaraNode node, Map<String, String> expected) throws Exception {
    for (Map.Entry<String, String> file : expected.entrySet()) {
      String[] got = {""};
      await(
          Duration.ofSeconds(60),
          () -> {
            got[0] = stale(node, file.getKey());
            return file.getValue().equals(got[0]);
          },
          () ->
              node.id
                  + " holds "
                  + file.getKey()
                  + " with SHA-256 "
                  + file.getValue()
                  + " (it answers "
                  + got[0]
                  + "); see "
                  + node.dir.resolve("node.log"));
    }
  }

  /** The SHA-256 of {@code node}'s own copy of {@code name}, or why not. */
  private String stale(PayaraNode node, String name) {
    try {
      HttpResponse<byte[]> r =
          http.send(
              SystemTokens.request(node.url().resolve("/api/files/" + name + "?stale=true"))
                  .timeout(Duration.ofSeconds(30))
                  .build(),
              HttpResponse.BodyHandlers.ofByteArray());
      return r.statusCode() == 200 ? sha256(r.body()) : "HTTP " + r.statusCode();
    } catch (IOException e) {
      return e.toString();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "interrupted";
    }
  }

  // ---------------------------------------------------------------- the client under load

  /**
   * One client thread: writes a new file (4 to 128 KiB of seeded random bytes) to any live node (a
   * follower forwards it to the leader), retrying with the same Idempotency-Key on another node
   * until one answers 201; every third step reads an acknowledged file back, linearizably, from any
   * live node and checks its SHA-256.
   */
  private final class Load implements Runnable {
    private final Map<String, String> acknowledged = new ConcurrentHashMap<>();
    private final List<String> errors = new CopyOnWriteArrayList<>();
    private final AtomicLong reads = new AtomicLong();
    private final AtomicLong retries = new AtomicLong();
    private final SplittableRandom random = new SplittableRandom(42);
    private final Thread thread = new Thread(this, "scale-out-load");
    private volatile boolean stopped;

    void start() {
      thread.start();
    }

    void stop() throws InterruptedException {
      stopped = true;
      thread.join(TimeUnit.SECONDS.toMillis(60));
    }

    long acked() {
      return acknowledged.size();
    }

    Map<String, String> acknowledged() {
      return Map.copyOf(acknowledged);
    }

    List<String> errors() {
      return List.copyOf(errors);
    }

    String report() {
      return acked()
          + " writes acknowledged, "
          + reads.get()
          + " reads checked, "
          + retries.get()
          + " retries";
    }

    @Override
    public void run() {
      int n = 0;
      while (!stopped) {
        n++;
        byte[] data = new byte[4096 + random.nextInt(124 * 1024)];
        random.nextBytes(data);
        String name = "load/w-" + n;
        if (write(name, data, "scale-out-" + n)) {
          acknowledged.put(name, sha256(data));
        }
        if (n % 3 == 0 && !acknowledged.isEmpty()) {
          List<String> names = new ArrayList<>(acknowledged.keySet());
          String pick = names.get(random.nextInt(names.size()));
          readAndCheck(pick, acknowledged.get(pick));
        }
      }
    }

    /** Whether the write was acknowledged (committed) before the load stopped. */
    private boolean write(String name, byte[] data, String key) {
      while (!stopped) {
        List<PayaraNode> targets = List.copyOf(serving);
        if (targets.isEmpty()) {
          pause();
          continue;
        }
        PayaraNode target = targets.get(random.nextInt(targets.size()));
        try {
          HttpResponse<String> r =
              http.send(
                  SystemTokens.request(target.url().resolve("/api/files/" + name))
                      .timeout(Duration.ofSeconds(30))
                      .header("Idempotency-Key", key)
                      .PUT(HttpRequest.BodyPublishers.ofByteArray(data))
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
          if (r.statusCode() == 201) {
            if (!r.body().contains(sha256(data))) {
              // The write path stored other bytes than were sent: name it here, not at a read.
              errors.add(target.id + " acknowledged " + name + " as another content: " + r.body());
            }
            return true;
          }
        } catch (IOException e) {
          // That node is down or starting: another one.
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return false;
        }
        retries.incrementAndGet();
        pause();
      }
      return false;
    }

    private void readAndCheck(String name, String sha256) {
      for (int attempt = 0; attempt < 20 && !stopped; attempt++) {
        List<PayaraNode> targets = List.copyOf(serving);
        if (targets.isEmpty()) {
          pause();
          continue;
        }
        PayaraNode target = targets.get(random.nextInt(targets.size()));
        try {
          HttpResponse<byte[]> r =
              http.send(
                  SystemTokens.request(target.url().resolve("/api/files/" + name))
                      .timeout(Duration.ofSeconds(30))
                      .build(),
                  HttpResponse.BodyHandlers.ofByteArray());
          if (r.statusCode() == 200) {
            reads.incrementAndGet();
            String got = sha256(r.body());
            if (!sha256.equals(got)) {
              // What the node said it served beside what it sent, to tell a read-path fault
              // (headers right, body wrong) from a replica whose state differs (both wrong).
              errors.add(
                  target.id
                      + " served "
                      + name
                      + " with another content: "
                      + r.body().length
                      + " bytes of SHA-256 "
                      + got
                      + " (acknowledged "
                      + sha256
                      + "), X-Spindle-Sha256 "
                      + r.headers().firstValue("X-Spindle-Sha256").orElse("none")
                      + ", Content-Length "
                      + r.headers().firstValue("Content-Length").orElse("none")
                      + contentOf(got));
            }
            return;
          }
          if (r.statusCode() == 404) {
            errors.add(target.id + " does not know the acknowledged " + name);
            return;
          }
        } catch (IOException e) {
          // Down or starting: another one.
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
        retries.incrementAndGet();
        pause();
      }
    }

    /**
     * Which acknowledged file has {@code sha256} as its content, if one has: a body that is another
     * request's answer (a response read from the wrong connection) rather than a replica's own
     * state.
     */
    private String contentOf(String sha256) {
      return acknowledged.entrySet().stream()
          .filter(e -> e.getValue().equals(sha256))
          .map(e -> " (the content of " + e.getKey() + ")")
          .findFirst()
          .orElse(" (no acknowledged file has that content)");
    }

    private void pause() {
      try {
        Thread.sleep(200); // a back-off between retries of a client, not a wait for a state
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private void awaitAcked(long count, String what) throws Exception {
    await(
        STARTUP,
        () -> load.acked() >= count,
        () -> what + ": " + count + " acknowledged writes; " + load.report());
  }

  // ---------------------------------------------------------------- helpers

  private static void await(Duration timeout, BooleanSupplier condition, Supplier<String> what)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        fail("not within " + timeout.toSeconds() + " s: " + what.get());
      }
      Thread.sleep(250); // the poll interval against the deadline above
    }
  }

  private static String match(Pattern p, String s) {
    Matcher m = p.matcher(s);
    return m.find() ? m.group(1) : null;
  }

  private static long seconds(long startNanos) {
    return TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - startNanos);
  }

  private static int freeTcpPort() {
    return Ports.tcp();
  }

  private static int freeUdpPort() {
    return Ports.udp();
  }

  private static String sha256(byte[] data) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
