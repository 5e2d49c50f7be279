package io.spindle.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.spindle.queue.client.ServerAddress;
import io.spindle.testkit.lincheck.LinearizabilityChecker;
import io.spindle.testkit.lincheck.Operation;
import io.spindle.testkit.netns.NetnsLab;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The fault suite (issue 19): three real Payara Micro nodes, each in a network namespace of its
 * own, take writes, linearizable reads and deletes of small files from several clients while a
 * nemesis partitions them (the leader isolated, a follower isolated, a bridge, the leader's
 * outgoing links cut one way), kills a node with kill -9 and restarts it, pauses the leader and a
 * follower with SIGSTOP for longer than an election timeout, and changes the membership: a new node
 * joins on a spare host (by discovery, through the queue server in a namespace of its own) and a
 * member, the leader half the time, stops gracefully and leaves. Afterwards, healed, every member
 * answers a final linearizable read of every key, and:
 *
 * <ul>
 *   <li>the history of every key is linearizable (the checker of {@code testkit}), which also means
 *       no acknowledged write was lost and no read saw a value never written;
 *   <li>every node's database holds the same files with the same digests.
 * </ul>
 *
 * <p>CI mode (the default): seed 1, each nemesis once, at least {@value #MIN_CI_OPERATIONS}
 * operations. {@code bin/spindle test-faults --minutes N --seed S} runs rounds of nemeses chosen by
 * the seed for N minutes ({@code spindle.faults.minutes}, {@code spindle.faults.seed}). Either way
 * a report goes to {@code target/system/faults-<seed>/report.txt}: operations by kind and outcome,
 * the faults with their times, latency per second and the checker's verdicts.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FaultSystemTest {
  /** How many members the cluster starts with: 3, or 5 for a long run's ring and halves. */
  private static final int MEMBERS = Integer.getInteger("spindle.faults.nodes", 3);

  /** Hosts 1 to MEMBERS + 1 take nodes (the members, one spare), the last the queue server. */
  @RegisterExtension static final NetnsLab LAB = new NetnsLab(MEMBERS + 2).withRootLink();

  private static final int NODE_HOSTS = MEMBERS + 1;
  private static final int QUEUE_HOST = MEMBERS + 2;

  static final int MIN_CI_OPERATIONS = 2_000;
  private static final Duration STARTUP = Duration.ofSeconds(300);
  private static final Duration FAULT = Duration.ofSeconds(8);
  private static final Duration PAUSE = Duration.ofSeconds(5);
  private static final Duration RECOVERY = Duration.ofSeconds(6);
  private static final Duration CONVERGE = Duration.ofSeconds(120);
  private static final Pattern MEMBER = Pattern.compile("\\{[^{}]*\"id\":\"([^\"]+)\"[^{}]*\\}");
  private static final Pattern ROLE = Pattern.compile("\"role\":\"([A-Z_]+)\"");
  private static final Pattern SEEN_LINE =
      Pattern.compile(
          ".*(is (LEADER|FOLLOWER|PRE_CANDIDATE|CANDIDATE) in term|lost the connection to peer"
              + "|connected to peer|STOPPED|did not run for|did not stop cleanly"
              + "|hands leadership to|stops: the JVM).*");
  private static final Pattern FILE =
      Pattern.compile("\"name\":\"([^\"]+)\"[^}]*?\"sha256\":\"([0-9a-f]+)\"");

  private final HttpClient http =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(2))
          .build();
  // The voters now, in no order; every node ever started (to stop them all at the end); the start
  // options of each (static peers for the first three, discovery for those that joined).
  private final List<PayaraNode> nodes = new ArrayList<>();
  private final List<PayaraNode> started = new ArrayList<>();
  private final Map<PayaraNode, String> peersOf = new LinkedHashMap<>();
  private JavaProcess queueServer;
  private Path root;
  private final String secret = "fault-test-secret-" + System.nanoTime() + "-0123456789";
  private final long seed = Long.getLong("spindle.faults.seed", 1);
  private final long minutes = Long.getLong("spindle.faults.minutes", 0);
  private final List<Fault> faults = new ArrayList<>();
  // What each node's log must say of the faults it went through.
  private final Map<PayaraNode, Set<String>> mustSee = new LinkedHashMap<>();
  // The leadership transfers' answers by HTTP status (0: none).
  private final Map<Integer, Integer> transfers = new TreeMap<>();
  private Path reportDir;
  private long origin;

  @BeforeAll
  void startCluster() throws Exception {
    root = Path.of(System.getProperty("spindle.system.dir"), "faults-" + System.nanoTime());
    reportDir =
        Files.createDirectories(
            Path.of(System.getProperty("spindle.system.dir"), "faults-" + seed));
    queueServer =
        JavaProcess.queueServerIn(LAB, QUEUE_HOST, root, secret, root.resolve("queue-server.log"));
    for (int i = 1; i <= MEMBERS; i++) {
      nodes.add(new PayaraNode("f" + i, root, LAB, i));
    }
    String peers = nodes.stream().map(PayaraNode::peerEntry).collect(Collectors.joining(","));
    for (PayaraNode node : nodes) {
      start(node, peers);
    }
    for (PayaraNode node : nodes) {
      node.awaitReady(http, STARTUP);
    }
  }

  /** Starts {@code node} with static {@code peers}, or to join by discovery if they are empty. */
  private void start(PayaraNode node, String peers) throws IOException {
    if (!started.contains(node)) {
      started.add(node);
    }
    peersOf.put(node, peers);
    node.start(
        peers,
        secret,
        Map.of(
            "SPINDLE_QUEUE_SERVERS",
            LAB.address(QUEUE_HOST) + ":4000",
            "SPINDLE_DISCOVERY_MODE",
            "lan",
            // The first three have static peers, which by default stay members when they stop.
            "SPINDLE_LEAVE_ON_STOP",
            "true"));
  }

  @AfterAll
  void stopCluster() throws Exception {
    try {
      LAB.heal();
    } finally {
      for (PayaraNode node : started) {
        node.close();
      }
      if (queueServer != null) {
        queueServer.kill();
      }
    }
  }

  @Test
  void underPartitionsCrashesAndPausesEveryKeyStaysLinearizableAndTheReplicasEqual()
      throws Exception {
    List<URI> everyNodeHost =
        IntStream.rangeClosed(1, NODE_HOSTS)
            .mapToObj(h -> URI.create("http://" + LAB.address(h) + ":3000"))
            .toList();
    FaultWorkload workload =
        new FaultWorkload(
            everyNodeHost, ServerAddress.parse(LAB.address(QUEUE_HOST) + ":4000"), 4, 4, seed);
    origin = workload.startNanos();
    SplittableRandom random = new SplittableRandom(seed);
    List<Nemesis> schedule =
        Arrays.stream(Nemesis.values()).filter(n -> n.minimumMembers <= MEMBERS).toList();
    workload.start();
    try {
      quiet(RECOVERY);
      if (minutes <= 0) {
        for (Nemesis nemesis : schedule) {
          inflict(nemesis, random);
        }
        while (workload.operationCount() < MIN_CI_OPERATIONS) {
          quiet(Duration.ofSeconds(1));
        }
      } else {
        Instant end = Instant.now().plus(Duration.ofMinutes(minutes));
        while (Instant.now().isBefore(end)) {
          inflict(schedule.get(random.nextInt(schedule.size())), random);
        }
      }
    } finally {
      workload.stop();
      LAB.heal();
    }
    for (PayaraNode node : nodes) {
      if (!node.isAlive()) {
        start(node, peersOf.get(node));
      }
      node.awaitReady(http, STARTUP);
    }
    for (PayaraNode node : nodes) {
      assertEquals(
          List.of(), workload.finalReads(node.url(), CONVERGE), "keys unread on " + node.id);
    }
    List<Operation> history = workload.operations();
    LinearizabilityChecker.Result verdict = LinearizabilityChecker.check(history);
    Map<String, Map<String, String>> replicas = awaitEqualReplicas();
    writeReport(workload, verdict, replicas);

    assertTrue(
        verdict.conclusive() && verdict.linearizable(),
        "the history is not (known to be) linearizable: "
            + verdict.explanation()
            + "; report in "
            + reportDir);
    if (minutes <= 0) {
      assertTrue(
          workload.operationCount() >= MIN_CI_OPERATIONS,
          workload.operationCount() + " operations");
    }
    assertEquals(List.of(), workload.anomalies(), "answers wrong in any order");
    assertEquals(List.of(), unseenFaults(), "faults the nodes' logs do not tell of");
    assertTrue(
        transfers.getOrDefault(200, 0) > 0 || transfers.isEmpty(),
        "no leadership transfer succeeded: answers by status " + transfers);
    Map<String, Map<FaultWorkload.Outcome, Integer>> counts = workload.counts();
    for (String what :
        List.of("PUT", "GET", "DELETE", "queue PUT", "queue GET", "queue COUNT", "queue DELETE")) {
      assertTrue(
          counts.getOrDefault(what, Map.of()).getOrDefault(FaultWorkload.Outcome.OK, 0) > 0,
          "no " + what + " succeeded: " + counts);
    }
  }

  // ---------------------------------------------------------------- nemeses

  /**
   * The faults, each followed by healing and a quiet period; those that need more members than the
   * cluster has (a ring, a minority of two) are left out of its schedule.
   */
  enum Nemesis {
    ISOLATE_LEADER(3),
    ISOLATE_FOLLOWER(3),
    BRIDGE(3),
    LEADER_CUT_ONE_WAY(3),
    KILL_AND_RESTART(3),
    PAUSE_LEADER(3),
    PAUSE_FOLLOWER(3),
    TRANSFER_LEADERSHIP(3),
    MEMBERSHIP(3),
    MAJORITIES_RING(4),
    HALVES(5);

    final int minimumMembers;

    Nemesis(int minimumMembers) {
      this.minimumMembers = minimumMembers;
    }
  }

  private void inflict(Nemesis nemesis, SplittableRandom random) throws Exception {
    PayaraNode leader = currentLeader().orElse(nodes.get(random.nextInt(nodes.size())));
    List<PayaraNode> others = nodes.stream().filter(n -> n != leader).toList();
    // A restarted node rejoins while the faults go on: a transfer to it, or its graceful leave,
    // waits for it to be ready, so the follower a nemesis picks is a ready one where there is one.
    List<PayaraNode> readyOthers = others.stream().filter(this::ready).toList();
    List<PayaraNode> candidates = readyOthers.isEmpty() ? others : readyOthers;
    PayaraNode follower = candidates.get(random.nextInt(candidates.size()));
    String what;
    switch (nemesis) {
      case ISOLATE_LEADER -> {
        isolate(leader);
        what = "isolated the leader " + leader.id;
      }
      case ISOLATE_FOLLOWER -> {
        isolate(follower);
        what = "isolated the follower " + follower.id;
      }
      case BRIDGE -> {
        List<PayaraNode> shuffled = shuffled(others, random);
        List<PayaraNode> one = shuffled.subList(0, shuffled.size() / 2);
        List<PayaraNode> two = shuffled.subList(shuffled.size() / 2, shuffled.size());
        for (PayaraNode a : one) {
          for (PayaraNode b : two) {
            cutBothWays(a, b);
          }
        }
        what = "cut " + ids(one) + " from " + ids(two) + "; the leader " + leader.id + " bridges";
      }
      case MAJORITIES_RING -> {
        List<PayaraNode> ring = shuffled(nodes, random);
        int n = ring.size();
        for (int i = 0; i < n; i++) {
          for (int j = i + 1; j < n; j++) {
            if (j - i != 1 && j - i != n - 1) {
              cutBothWays(ring.get(i), ring.get(j));
            }
          }
        }
        what = "a ring " + ids(ring) + ": each node reaches only its two neighbours";
      }
      case HALVES -> {
        List<PayaraNode> shuffled = shuffled(nodes, random);
        List<PayaraNode> minority = shuffled.subList(0, (shuffled.size() - 1) / 2);
        List<PayaraNode> majority = shuffled.subList(minority.size(), shuffled.size());
        for (PayaraNode a : minority) {
          for (PayaraNode b : majority) {
            cutBothWays(a, b);
          }
        }
        what =
            "halves: minority "
                + ids(minority)
                + (minority.contains(leader) ? " (with the leader)" : "")
                + " | majority "
                + ids(majority);
      }
      case TRANSFER_LEADERSHIP -> {
        record("asked the leader " + leader.id + " to hand leadership to " + follower.id);
        record("the transfer answered " + transfer(leader, follower));
        quiet(RECOVERY);
        return;
      }
      case LEADER_CUT_ONE_WAY -> {
        for (PayaraNode other : others) {
          LAB.cut(leader.host(), other.host());
        }
        what = "cut what the leader " + leader.id + " sends to the others (one way)";
      }
      case KILL_AND_RESTART -> {
        PayaraNode victim = random.nextBoolean() ? leader : follower;
        victim.kill();
        expectSeen(victim, "did not stop cleanly");
        what = "kill -9 of " + victim.id + (victim == leader ? " (the leader)" : "");
        record(what);
        quiet(FAULT);
        start(victim, peersOf.get(victim));
        record("restarted " + victim.id + " (it rejoins while the faults go on)");
        quiet(RECOVERY);
        return;
      }
      case MEMBERSHIP -> {
        changeMembership(random.nextBoolean() ? leader : follower);
        return;
      }
      case PAUSE_LEADER, PAUSE_FOLLOWER -> {
        PayaraNode victim = nemesis == Nemesis.PAUSE_LEADER ? leader : follower;
        boolean running = ready(victim); // a node still starting has no Raft loop to see it yet
        victim.pause();
        if (running) {
          expectSeen(victim, "did not run for " + (PAUSE.toSeconds() - 1) + "000 ms or more");
        }
        what = "SIGSTOP of " + victim.id + (victim == leader ? " (the leader)" : "");
        record(what);
        quiet(PAUSE);
        victim.resume();
        record("SIGCONT of " + victim.id);
        quiet(RECOVERY);
        return;
      }
      default -> throw new IllegalStateException(nemesis.name());
    }
    record(what);
    quiet(FAULT);
    LAB.heal();
    record("healed the network");
    quiet(RECOVERY);
  }

  /**
   * A new node joins on the spare host (by discovery, through the queue server's join job) and
   * becomes a voter; then {@code leaving} stops gracefully, which hands leadership over first if it
   * leads and takes it out of the configuration. All under load.
   */
  private void changeMembership(PayaraNode leaving) throws Exception {
    int spare =
        IntStream.rangeClosed(1, NODE_HOSTS)
            .filter(h -> nodes.stream().noneMatch(n -> n.host() == h))
            .findFirst()
            .orElseThrow();
    PayaraNode joining = new PayaraNode("f" + (started.size() + 1), root, LAB, spare);
    start(joining, "");
    record("started " + joining.id + " to join");
    nodes.add(joining);
    awaitVoters();
    record(joining.id + " is a voter");
    quiet(RECOVERY);
    boolean led = leaving == currentLeader().orElse(null);
    nodes.remove(leaving);
    leaving.close();
    record(
        leaving.id
            + (led ? " (the leader: it handed leadership over)" : "")
            + " stopped gracefully and left the configuration");
    awaitVoters();
    record("voters: " + nodes.stream().map(n -> n.id).sorted().toList());
    quiet(RECOVERY);
  }

  /** Waits until a leader among {@link #nodes} lists exactly them as its voters. */
  private void awaitVoters() throws Exception {
    Set<String> expected = nodes.stream().map(n -> n.id).collect(Collectors.toSet());
    Instant deadline = Instant.now().plus(STARTUP);
    String last = "";
    while (Instant.now().isBefore(deadline)) {
      for (PayaraNode node : nodes) {
        Optional<String> cluster = get(node, "/api/cluster");
        if (cluster.isPresent() && "LEADER".equals(match(ROLE, cluster.get()))) {
          last = cluster.get();
          if (voters(last).equals(expected)) {
            return;
          }
        }
      }
      Thread.sleep(500); // a poll interval against the deadline above
    }
    fail(
        "the voters did not become "
            + expected
            + " within "
            + STARTUP
            + "; the leader said "
            + last);
  }

  /** The ids of the voters in a node's {@code /api/cluster}. */
  private static Set<String> voters(String cluster) {
    Set<String> voters = new TreeSet<>();
    int members = cluster.indexOf("\"members\"");
    if (members < 0) {
      return voters;
    }
    Matcher m = MEMBER.matcher(cluster.substring(members));
    while (m.find()) {
      if (m.group().contains("\"voter\":true")) {
        voters.add(m.group(1));
      }
    }
    return voters;
  }

  /**
   * {@code POST /api/cluster/leader?to=} on {@code leader}: the status and body of its answer, or
   * what went wrong.
   */
  private String transfer(PayaraNode leader, PayaraNode to) {
    try {
      HttpResponse<String> answer =
          http.send(
              SystemTokens.request(leader.url().resolve("/api/cluster/leader?to=" + to.id))
                  .timeout(Duration.ofSeconds(20))
                  .POST(HttpRequest.BodyPublishers.noBody())
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      transfers.merge(answer.statusCode(), 1, Integer::sum);
      return answer.statusCode() + " " + answer.body();
    } catch (IOException e) {
      transfers.merge(0, 1, Integer::sum);
      return "no answer: " + e;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "interrupted";
    }
  }

  /**
   * Notes that {@code node}'s log must say {@code words} (the fault as the node saw it); "did not
   * run for N ms or more" asks for a stall of at least N ms.
   */
  private void expectSeen(PayaraNode node, String words) {
    mustSee.computeIfAbsent(node, n -> new TreeSet<>()).add(words);
  }

  private static final Pattern STALL = Pattern.compile("did not run for (\\d+) ms");
  private static final Pattern AT_LEAST = Pattern.compile("did not run for (\\d+) ms or more");

  /** Whether a node's log {@code line} says {@code words} as {@link #expectSeen} means them. */
  private static boolean says(String line, String words) {
    Matcher atLeast = AT_LEAST.matcher(words);
    if (!atLeast.matches()) {
      return line.contains(words);
    }
    Matcher stall = STALL.matcher(line);
    return stall.find() && Long.parseLong(stall.group(1)) >= Long.parseLong(atLeast.group(1));
  }

  /** What the nodes' logs should say of the faults they went through and do not. */
  private List<String> unseenFaults() throws IOException {
    List<String> unseen = new ArrayList<>();
    for (Map.Entry<PayaraNode, Set<String>> e : mustSee.entrySet()) {
      List<String> seen = faultsSeen(e.getKey());
      for (String words : e.getValue()) {
        if (seen.stream().noneMatch(line -> says(line, words))) {
          unseen.add(e.getKey().id + "'s log does not say \"" + words + "\"");
        }
      }
    }
    return unseen;
  }

  private static List<PayaraNode> shuffled(List<PayaraNode> nodes, SplittableRandom random) {
    List<PayaraNode> out = new ArrayList<>(nodes);
    for (int i = out.size() - 1; i > 0; i--) {
      Collections.swap(out, i, random.nextInt(i + 1));
    }
    return out;
  }

  private static List<String> ids(List<PayaraNode> nodes) {
    return nodes.stream().map(n -> n.id).toList();
  }

  private void isolate(PayaraNode node) throws IOException {
    for (PayaraNode other : nodes) {
      if (other != node) {
        cutBothWays(node, other);
      }
    }
  }

  private static void cutBothWays(PayaraNode a, PayaraNode b) throws IOException {
    LAB.cut(a.host(), b.host());
    LAB.cut(b.host(), a.host());
  }

  /** A fault (or its end) at {@code seconds} into the run. */
  private record Fault(double seconds, String what) {}

  private void record(String fault) {
    double at = (System.nanoTime() - origin) / 1e9;
    faults.add(new Fault(at, fault));
  }

  /** Lets the workload run for {@code period}: the nemesis's schedule, not a wait for a state. */
  private static void quiet(Duration period) throws InterruptedException {
    Thread.sleep(period.toMillis());
  }

  // ---------------------------------------------------------------- cluster state

  /** Whether {@code node} answers as ready for clients (it runs Raft and has caught up once). */
  private boolean ready(PayaraNode node) {
    return node.isAlive()
        && get(node, "/api/cluster").map(c -> c.contains("\"ready\":true")).orElse(false);
  }

  private Optional<PayaraNode> currentLeader() {
    for (PayaraNode node : nodes) {
      Optional<String> cluster = get(node, "/api/cluster");
      if (cluster.isPresent() && "LEADER".equals(match(ROLE, cluster.get()))) {
        return Optional.of(node);
      }
    }
    return Optional.empty();
  }

  /**
   * Each node's files (name to SHA-256) from its own database, once all of them list the same;
   * fails with what each held if they do not agree within {@link #CONVERGE}.
   */
  private Map<String, Map<String, String>> awaitEqualReplicas() throws Exception {
    Instant deadline = Instant.now().plus(CONVERGE);
    Map<String, Map<String, String>> replicas = new LinkedHashMap<>();
    while (Instant.now().isBefore(deadline)) {
      replicas.clear();
      for (PayaraNode node : nodes) {
        get(node, "/api/files?stale=true").ifPresent(body -> replicas.put(node.id, files(body)));
      }
      if (replicas.size() == nodes.size() && replicas.values().stream().distinct().count() == 1) {
        return replicas;
      }
      Thread.sleep(500); // a poll interval against the deadline above
    }
    fail("the replicas did not converge within " + CONVERGE + ": " + replicas);
    return replicas;
  }

  private static Map<String, String> files(String json) {
    Map<String, String> files = new TreeMap<>();
    Matcher m = FILE.matcher(json);
    while (m.find()) {
      files.put(m.group(1), m.group(2));
    }
    return files;
  }

  private Optional<String> get(PayaraNode node, String path) {
    return node.apiGet(http, path);
  }

  private static String match(Pattern pattern, String json) {
    Matcher m = pattern.matcher(json);
    return m.find() ? m.group(1) : null;
  }

  // ---------------------------------------------------------------- report

  /**
   * An HTML page with an SVG plot: each second's median and slowest operation (log scale, 1 ms to
   * 10 s), and a line at each fault, named on hover.
   */
  private String latencyPlot(TreeMap<Long, List<FaultWorkload.Sample>> bySecond) {
    long seconds = bySecond.isEmpty() ? 1 : bySecond.lastKey() + 1;
    int width = 1000;
    int height = 300;
    double xScale = (double) width / seconds;
    StringBuilder p50 = new StringBuilder();
    StringBuilder max = new StringBuilder();
    bySecond.forEach(
        (second, samples) -> {
          long[] latencies =
              samples.stream().mapToLong(FaultWorkload.Sample::latencyNanos).sorted().toArray();
          double x = second * xScale;
          p50.append(String.format("%.1f,%.1f ", x, y(latencies[latencies.length / 2], height)));
          max.append(String.format("%.1f,%.1f ", x, y(latencies[latencies.length - 1], height)));
        });
    StringBuilder svg = new StringBuilder();
    svg.append("<!doctype html><meta charset=utf-8><title>Spindle fault run, seed ")
        .append(seed)
        .append("</title><h1>Spindle fault run, seed ")
        .append(seed)
        .append(
            "</h1><p>Latency per second: median (blue) and slowest (red) operation, log scale"
                + " from 1 ms (bottom) to 10 s (top); grey lines are faults (hover for what).</p>")
        .append(
            String.format("<svg width=%d height=%d style='border:1px solid #ccc'>", width, height));
    for (Fault f : faults) {
      double x = f.seconds() * xScale;
      svg.append(
          String.format(
              "<line x1=%.1f y1=0 x2=%.1f y2=%d stroke='#bbb'><title>%.1f s: %s</title></line>",
              x, x, height, f.seconds(), f.what().replace("<", "&lt;")));
    }
    svg.append("<polyline fill=none stroke=red points='").append(max).append("'/>");
    svg.append("<polyline fill=none stroke=blue points='").append(p50).append("'/>");
    svg.append("</svg>");
    return svg.toString();
  }

  private static final Pattern EXPLAINED_OP =
      Pattern.compile("c(\\d+) (?:GET|PUT|DELETE) .*?\\[(\\d+), ");

  /** The checker's explanation with the node each operation it names went to. */
  private String withNodes(String explanation, FaultWorkload workload) {
    StringBuilder out = new StringBuilder();
    for (String line : explanation.split("\n")) {
      out.append(line);
      Matcher m = EXPLAINED_OP.matcher(line);
      if (m.find()) {
        String address = workload.node(Integer.parseInt(m.group(1)), Long.parseLong(m.group(2)));
        if (FaultWorkload.QUEUE.equals(address)) {
          out.append("  @queue server");
        }
        started.stream()
            .filter(n -> n.address().equals(address))
            .findFirst()
            .ifPresent(n -> out.append("  @").append(n.id));
      }
      out.append('\n');
    }
    return out.toString();
  }

  /** The lines of a node's log about roles, elections and peer links. */
  private static List<String> faultsSeen(PayaraNode node) throws IOException {
    Path log = node.dir.resolve("node.log");
    if (!Files.exists(log)) {
      return List.of();
    }
    try (var lines = Files.lines(log)) {
      return lines
          .filter(SEEN_LINE.asMatchPredicate())
          .map(line -> line.replaceAll("\\u001B\\[[0-9;]*m", ""))
          .map(
              line ->
                  line.replaceAll(
                      "\\[tid:[^\\]]*\\] \\[timeMillis:[^\\]]*\\] \\[levelValue:[^\\]]*\\]", ""))
          .toList();
    }
  }

  /** The height of {@code nanos} on a log scale from 1 ms (bottom) to 10 s (top). */
  private static double y(long nanos, int height) {
    double ms = Math.max(1, nanos / 1e6);
    return height - Math.min(1, Math.log10(ms) / 4) * height;
  }

  private void writeReport(
      FaultWorkload workload,
      LinearizabilityChecker.Result verdict,
      Map<String, Map<String, String>> replicas)
      throws IOException {
    StringBuilder out = new StringBuilder();
    out.append("Spindle fault run, seed ")
        .append(seed)
        .append(minutes > 0 ? ", " + minutes + " min" : ", CI mode")
        .append("\n\noperations: ")
        .append(workload.operationCount())
        .append('\n');
    workload
        .counts()
        .forEach(
            (what, byOutcome) ->
                out.append("  ").append(what).append(' ').append(byOutcome).append('\n'));
    out.append("\nthe queue server's error answers: ")
        .append(workload.queueErrors())
        .append("\nanswers wrong in any order: ")
        .append(workload.anomalies().isEmpty() ? "none" : workload.anomalies().size())
        .append('\n');
    workload.anomalies().forEach(a -> out.append("  ").append(a).append('\n'));
    out.append("faults the nodes' logs do not tell of: ").append(unseenFaults()).append('\n');
    out.append("\nleadership transfers by answer (HTTP status, 0: none): ")
        .append(transfers)
        .append('\n');
    out.append("\nfaults:\n");
    faults.forEach(f -> out.append(String.format("%8.1f s  %s%n", f.seconds(), f.what())));
    out.append("\nlinearizable: ")
        .append(verdict.linearizable())
        .append(", conclusive: ")
        .append(verdict.conclusive())
        .append(
            verdict.explanation() == null ? "" : "\n" + withNodes(verdict.explanation(), workload))
        .append("\nreplicas: ")
        .append(replicas.values().stream().distinct().count() == 1 ? "identical" : "DIFFER")
        .append(' ')
        .append(replicas.values().stream().findFirst().map(Map::size).orElse(0))
        .append(" files each\n");
    for (PayaraNode node : started) {
      List<String> seen = faultsSeen(node);
      out.append("\nwhat ")
          .append(node.id)
          .append("'s log says it saw (")
          .append(seen.size())
          .append(" lines):\n");
      seen.forEach(line -> out.append("  ").append(line).append('\n'));
    }
    out.append("\nsecond  ops  ok  failed  unknown  p50 ms  max ms\n");
    TreeMap<Long, List<FaultWorkload.Sample>> bySecond = new TreeMap<>();
    for (FaultWorkload.Sample s : workload.samples()) {
      bySecond
          .computeIfAbsent((s.endNanos() - origin) / 1_000_000_000L, k -> new ArrayList<>())
          .add(s);
    }
    bySecond.forEach(
        (second, samples) -> {
          long[] latencies =
              samples.stream().mapToLong(FaultWorkload.Sample::latencyNanos).sorted().toArray();
          out.append(
              String.format(
                  "%6d %4d %3d %7d %8d %7.0f %7.0f%n",
                  second,
                  samples.size(),
                  samples.stream().filter(s -> s.outcome() == FaultWorkload.Outcome.OK).count(),
                  samples.stream().filter(s -> s.outcome() == FaultWorkload.Outcome.FAILED).count(),
                  samples.stream()
                      .filter(s -> s.outcome() == FaultWorkload.Outcome.UNKNOWN)
                      .count(),
                  latencies[latencies.length / 2] / 1e6,
                  latencies[latencies.length - 1] / 1e6));
        });
    Files.writeString(reportDir.resolve("report.txt"), out);
    Files.writeString(reportDir.resolve("latency.html"), latencyPlot(bySecond));
    assertEquals(nodes.size(), replicas.size());
  }
}
