package io.spindle.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.spindle.testkit.Await;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.logging.Logger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Group membership (issue 17) on three real Payara Micro nodes on embedded H2, through the REST
 * API: joins, renewals and leaves through any node (a follower forwards them to the leader) are
 * read at once on every node; invalid requests are refused; a member process killed with kill -9 is
 * removed on every node within its ttl plus one probe period, and not before its time; a member
 * that keeps renewing stays through the leader's kill -9 and the election; a node rebuilt from
 * scratch gets the groups by InstallSnapshot; 10 groups of 1,000 members renewed continuously see
 * no expiry. The tests run in that order on one cluster (the leader killed in the third is the node
 * rebuilt in the fourth).
 *
 * <p>The nodes probe every {@value #PROBE_INTERVAL_MS} ms and remove a probed member after {@value
 * #PROBE_FAILURES} failures in a row; they snapshot every {@value #SNAPSHOT_ENTRIES} entries and
 * keep {@value #KEEP_ENTRIES} behind.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class GroupMembershipSystemTest {
  private static final Logger LOG = Logger.getLogger(GroupMembershipSystemTest.class.getName());
  private static final Duration STARTUP = Duration.ofSeconds(300);
  private static final Duration ELECTION = Duration.ofSeconds(30);
  private static final Pattern ROLE = Pattern.compile("\"role\":\"([A-Z]+)\"");
  private static final Pattern LEADER = Pattern.compile("\"leaderId\":\"([^\"]+)\"");

  private static final int PROBE_INTERVAL_MS = 500;
  private static final int PROBE_FAILURES = 3;
  private static final int SNAPSHOT_ENTRIES = 1000;
  private static final int KEEP_ENTRIES = 100;

  /** The lease of the members that are killed or kept through a failover. */
  private static final int TTL_SECONDS = 4;

  /**
   * What removing a member may take beyond the rule (ttl, or probe failures): the leader's sweep
   * (every 100 ms), committing and applying the removal on three nodes, and this test's polling
   * (every 50 ms, plus the read). A second is several times what it takes on a quiet machine.
   */
  private static final long REMOVAL_ALLOWANCE_MS = 1000;

  private static final int FLEET_GROUPS = 10;
  private static final int FLEET_MEMBERS_PER_GROUP = 1000;

  /**
   * The fleet's lease and renewal period: every member renews every ttl/3, as {@code spindle group
   * join --keep} does (a 90 s lease renewed every 30 s is a common service registry's default). On
   * this 2-core machine, which also runs the test's client, three Payara nodes answer about 1,000
   * REST requests a second in all; 10,000 members renewing every 20 s ask for 500.
   */
  private static final int FLEET_TTL_SECONDS = 60;

  private static final int FLEET_RENEW_EVERY_SECONDS = 20;
  private static final int FLEET_IN_FLIGHT = 64;

  /**
   * Joins in flight while the fleet joins: a fleet starting up, not a flood. The renewals of those
   * that joined already run beside them, and must not fall behind.
   */
  private static final int FLEET_JOINS_IN_FLIGHT = 16;

  private final HttpClient http =
      HttpClient.newBuilder()
          // HTTP/1.1: the JDK client upgrades to h2c, and Payara Micro then drops some answers.
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();
  private final String secret = "groups-system-test-" + System.nanoTime() + "-0123456789";
  private final List<PayaraNode> nodes = new ArrayList<>();
  private final Set<PayaraNode> down = ConcurrentHashMap.newKeySet();
  private final List<JavaProcess> members = new CopyOnWriteArrayList<>();
  private final List<AutoCloseable> closeAtEnd = new CopyOnWriteArrayList<>();
  private Path root;
  private String peers;

  static {
    // Keep the JDK's HttpClient from pooling connections to a node that is killed.
    System.setProperty("jdk.httpclient.keepalive.timeout", "2");
  }

  @BeforeAll
  void startCluster() throws Exception {
    root = Path.of(System.getProperty("spindle.system.dir"), "groups-" + System.nanoTime());
    for (int i = 1; i <= 3; i++) {
      nodes.add(new PayaraNode("s" + i, root));
    }
    peers = nodes.stream().map(PayaraNode::peerEntry).collect(Collectors.joining(","));
    for (PayaraNode node : nodes) {
      node.start(peers, secret, environment());
    }
    for (PayaraNode node : nodes) {
      node.awaitReady(http, STARTUP);
    }
  }

  private static Map<String, String> environment() {
    return Map.of(
        "SPINDLE_GROUPS_PROBE_INTERVAL_MS", Integer.toString(PROBE_INTERVAL_MS),
        "SPINDLE_GROUPS_PROBE_FAILURES", Integer.toString(PROBE_FAILURES),
        "SPINDLE_RAFT_SNAPSHOT_ENTRIES", Integer.toString(SNAPSHOT_ENTRIES),
        "SPINDLE_RAFT_KEEP_ENTRIES", Integer.toString(KEEP_ENTRIES));
  }

  @AfterAll
  void stopEverything() throws Exception {
    for (AutoCloseable c : closeAtEnd) {
      c.close();
    }
    for (JavaProcess member : members) {
      member.kill();
    }
    for (PayaraNode node : nodes) {
      node.kill();
    }
    // -Dspindle.system.keep=true keeps the nodes' directories and logs for a look afterwards.
    if (root != null && Files.exists(root) && !Boolean.getBoolean("spindle.system.keep")) {
      try (Stream<Path> files = Files.walk(root)) {
        for (Path f : (Iterable<Path>) files.sorted(Comparator.reverseOrder())::iterator) {
          Files.delete(f);
        }
      }
    }
  }

  // ---------------------------------------------------------------- a) semantics, reads

  @Test
  @Order(1)
  void joinsRenewalsAndLeavesThroughAnyNodeAreReadAtOnceOnEveryNode() throws Exception {
    PayaraNode leader = awaitLeader(live());
    List<PayaraNode> followers = live().stream().filter(n -> n != leader).toList();
    String group = "a-semantics";

    // A join through a follower, which passes it on to the leader: 201, then on every node's
    // linearizable read at once.
    HttpResponse<String> joined =
        join(followers.get(0), group, "m1", body("10.0.0.7:8080", 30, Map.of("zone", "a"), "none"));
    assertEquals(201, joined.statusCode(), joined.body());
    Map<String, Object> join = Json.object(joined.body());
    assertEquals(Boolean.TRUE, join.get("created"), joined.body());
    long joinIndex = (Long) join.get("joinIndex");
    assertTrue(joinIndex > 0 && (Long) join.get("index") >= joinIndex, joined.body());
    for (PayaraNode node : live()) {
      Map<String, Object> m = memberOf(read(node, group, false), "m1");
      assertNotNull(m, node.id + " does not show m1 right after its join was acknowledged");
      assertEquals("10.0.0.7:8080", m.get("address"), node.id);
      assertEquals(Map.of("zone", "a"), m.get("meta"), node.id);
      assertEquals(joinIndex, m.get("joinIndex"), node.id);
      assertEquals("alive", m.get("state"), node.id);
      assertEquals(30L, m.get("ttlSeconds"), node.id);
      assertEquals("none", m.get("probe"), node.id);
    }

    // Joining again through the other follower renews and updates: 200, the same join index.
    HttpResponse<String> again =
        join(followers.get(1), group, "m1", body("10.0.0.8:8080", 30, Map.of("zone", "b"), "none"));
    assertEquals(200, again.statusCode(), again.body());
    assertEquals(Boolean.FALSE, Json.object(again.body()).get("created"), again.body());
    assertEquals(joinIndex, Json.object(again.body()).get("joinIndex"), again.body());
    for (PayaraNode node : live()) {
      Map<String, Object> m = memberOf(read(node, group, false), "m1");
      assertEquals("10.0.0.8:8080", m.get("address"), node.id + " shows the old address");
      assertEquals(Map.of("zone", "b"), m.get("meta"), node.id);
      List<Object> groups = Json.array(get(node, "/api/groups").body());
      assertTrue(
          groups.contains(Map.of("group", group, "members", 1L, "index", index(node, group))),
          node.id + " lists " + groups);
    }

    // Renewals through a follower; a renewal of a non-member is 404 wherever it is sent.
    HttpResponse<String> renewed = renew(followers.get(0), group, "m1");
    assertEquals(200, renewed.statusCode(), renewed.body());
    assertEquals("m1", Json.object(renewed.body()).get("id"), renewed.body());
    assertEquals(404, renew(followers.get(1), group, "nobody").statusCode());
    assertEquals(404, renew(leader, group, "nobody").statusCode());
    assertEquals(404, renew(followers.get(0), "a-no-such-group", "m1").statusCode());

    // Every acknowledged join and leave, through each node in turn, is on every other node's
    // next read.
    List<PayaraNode> all = live();
    for (int i = 0; i < 12; i++) {
      PayaraNode via = all.get(i % all.size());
      String id = "r" + i;
      assertEquals(201, join(via, group, id, body("h:" + i, 30, Map.of(), "none")).statusCode());
      for (PayaraNode node : all) {
        assertNotNull(memberOf(read(node, group, false), id), node.id + " misses " + id);
      }
      PayaraNode leaveVia = all.get((i + 1) % all.size());
      assertEquals(204, leave(leaveVia, group, id).statusCode());
      for (PayaraNode node : all) {
        assertEquals(null, memberOf(read(node, group, false), id), node.id + " still has " + id);
      }
    }

    // Leaving: 204, gone on every node at once; leaving again is 404, and the group is no longer
    // listed.
    assertEquals(204, leave(followers.get(0), group, "m1").statusCode());
    for (PayaraNode node : live()) {
      assertEquals(List.of(), read(node, group, false).get("members"), node.id);
      assertFalse(get(node, "/api/groups").body().contains(group), node.id);
    }
    assertEquals(404, leave(leader, group, "m1").statusCode());
    assertEquals(404, leave(followers.get(1), group, "m1").statusCode());
  }

  @Test
  @Order(1)
  void invalidRequestsAreRefusedWithASentenceAndChangeNothing() throws Exception {
    PayaraNode leader = awaitLeader(live());
    PayaraNode follower = live().stream().filter(n -> n != leader).findFirst().orElseThrow();
    String group = "a-invalid";
    Map<String, String> refused = new LinkedHashMap<>();
    refused.put("ttl 0", body("h:1", 0, Map.of(), "none"));
    refused.put("ttl over an hour", body("h:1", 3601, Map.of(), "none"));
    refused.put("no address", "{\"ttlSeconds\":5}");
    refused.put("blank address", body(" ", 5, Map.of(), "none"));
    refused.put("an unknown probe", body("h:1", 5, Map.of(), "icmp"));
    refused.put("a tcp probe without a port", body("localhost", 5, Map.of(), "tcp"));
    refused.put("an unknown field", "{\"address\":\"h:1\",\"colour\":\"red\"}");
    refused.put("ttl of the wrong type", "{\"address\":\"h:1\",\"ttlSeconds\":\"five\"}");
    refused.put("not JSON", "address=h:1");
    refused.put("too much meta", body("h:1", 5, Map.of("k", "x".repeat(9000)), "none"));
    for (PayaraNode node : List.of(follower, leader)) {
      for (Map.Entry<String, String> c : refused.entrySet()) {
        HttpResponse<String> r = join(node, group, "m", c.getValue());
        assertEquals(400, r.statusCode(), c.getKey() + " through " + node.id + ": " + r.body());
        assertTrue(
            String.valueOf(Json.object(r.body()).get("error")).length() > 10,
            c.getKey() + " is explained: " + r.body());
      }
      HttpResponse<String> badId = join(node, group, "a%01b", body("h:1", 5, Map.of(), "none"));
      assertEquals(400, badId.statusCode(), "a member id with a control character");
      for (String watch :
          List.of(
              "?wait=true&after=-1",
              "?wait=true&after=x",
              "?after=3",
              "?wait=true&after=0&timeoutSeconds=0",
              "?wait=true&after=0&timeoutSeconds=61")) {
        HttpResponse<String> r = get(node, "/api/groups/" + group + watch);
        assertEquals(400, r.statusCode(), watch + ": " + r.body());
      }
    }
    for (PayaraNode node : live()) {
      assertEquals(List.of(), read(node, group, false).get("members"), node.id);
      assertFalse(get(node, "/api/groups").body().contains(group), node.id);
    }
  }

  // ---------------------------------------------------------------- b) kill -9 of a member

  @Test
  @Order(2)
  void aMemberProcessKilledWithKillNineIsRemovedOnEveryNodeWithinItsTtlPlusOneProbePeriod()
      throws Exception {
    String group = "b-killed";
    JavaProcess member = startMember(group, "leased", TTL_SECONDS);
    int port = Integer.parseInt(awaitLine(member, "listening ").substring(10).strip());
    awaitLine(member, "joined ");
    HttpResponse<String> probed =
        join(
            live().get(0),
            group,
            "probed",
            body("127.0.0.1:" + port, TTL_SECONDS, Map.of(), "http"));
    assertEquals(201, probed.statusCode(), probed.body());
    awaitOnEveryNode(group, Set.of("leased", "probed"));

    // Both stay for well over a ttl: the process renews one lease, the leader's probes the other.
    long stayUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(TTL_SECONDS + 1);
    while (System.nanoTime() < stayUntil) {
      for (PayaraNode node : live()) {
        Map<String, Map<String, Object>> view = membersById(read(node, group, true));
        assertEquals(Set.of("leased", "probed"), view.keySet(), node.id + " while it lives");
        assertEquals("alive", view.get("probed").get("state"), node.id + ": " + view);
      }
      Thread.sleep(100); // the sampling interval of a window of time, not a wait for a state
    }
    long indexBefore = index(live().get(0), group);

    long killedNanos = System.nanoTime();
    long killedMillis = System.currentTimeMillis();
    member.kill();
    Map<String, Map<String, long[]>> gone = awaitGoneEverywhere(group, Set.of("leased", "probed"));

    long probePeriodAndAllowance = PROBE_INTERVAL_MS + REMOVAL_ALLOWANCE_MS;
    long leaseMs = lastAbsentMs(gone.get("leased"), killedNanos);
    long probeMs = lastAbsentMs(gone.get("probed"), killedNanos);
    long lastRenewal = lastRenewalSentMillis(member);
    long leaseAfterRenewalMs = firstAbsentMillis(gone.get("leased")) - lastRenewal;
    long probeEarliestMs = firstAbsentMillis(gone.get("probed")) - killedMillis;
    LOG.info(
        () ->
            "kill -9 to removal on every node: lease member "
                + leaseMs
                + " ms (first seen gone "
                + leaseAfterRenewalMs
                + " ms after its last renewal was sent), probed member "
                + probeMs
                + " ms (first seen gone after "
                + probeEarliestMs
                + " ms); ttl "
                + TTL_SECONDS
                + " s, probes every "
                + PROBE_INTERVAL_MS
                + " ms");
    long bound = TTL_SECONDS * 1000L + probePeriodAndAllowance;
    assertTrue(leaseMs <= bound, "the lease member went after " + leaseMs + " ms > " + bound);
    assertTrue(probeMs <= bound, "the probed member went after " + probeMs + " ms > " + bound);
    // Not before its time (seen at this test's polling granularity): the lease a full ttl after
    // the last renewal the member sent; the probed member after PROBE_FAILURES failed probes, the
    // first of which may come right after the kill.
    assertTrue(
        leaseAfterRenewalMs >= TTL_SECONDS * 1000L,
        "the lease member was gone " + leaseAfterRenewalMs + " ms after its last renewal");
    assertTrue(
        probeEarliestMs >= (PROBE_FAILURES - 1L) * PROBE_INTERVAL_MS,
        "the probed member was gone " + probeEarliestMs + " ms after the kill");

    // The log says why: both expired, the probed one suspect first.
    List<Map<String, Object>> changes = changesAfter(live().get(0), group, indexBefore);
    assertEquals(
        List.of("expired"), kinds(changes, "leased"), "the lease member's changes: " + changes);
    assertEquals(
        List.of("suspect", "expired"),
        kinds(changes, "probed"),
        "the probed member's changes: " + changes);
  }

  // ---------------------------------------------------------------- c) leader kill -9

  @Test
  @Order(3)
  void aMemberThatKeepsRenewingStaysThroughTheLeadersKillAndTheElection() throws Exception {
    String group = "c-failover";
    PayaraNode oldLeader = awaitLeader(live());
    HttpResponse<String> joined =
        join(oldLeader, group, "survivor", body("10.0.0.9:80", TTL_SECONDS, Map.of(), "none"));
    assertEquals(201, joined.statusCode(), joined.body());
    long joinIndex = (Long) Json.object(joined.body()).get("joinIndex");
    awaitOnEveryNode(group, Set.of("survivor"));

    Renewer renewer = new Renewer(group, "survivor", Duration.ofMillis(TTL_SECONDS * 1000L / 4));
    Sampler sampler = new Sampler(group, "survivor");
    closeAtEnd.add(renewer);
    closeAtEnd.add(sampler);
    renewer.start();
    sampler.start();
    await(Duration.ofSeconds(20), () -> renewer.renewed.get() >= 2, () -> "two renewals");

    oldLeader.kill();
    down.add(oldLeader);
    long atKill = renewer.renewed.get();
    PayaraNode newLeader = awaitLeader(live());
    long electedNanos = System.nanoTime();
    assertNotEquals(oldLeader.id, newLeader.id);
    // Past the new leader's grace (a full ttl from its election), still renewing through the
    // survivors: a member whose renewals the new leader did not take would expire in that time.
    await(
        Duration.ofSeconds(60),
        () ->
            System.nanoTime() - electedNanos > TimeUnit.SECONDS.toNanos(TTL_SECONDS + 2)
                && renewer.renewed.get() >= atKill + 3,
        () -> "renewals after the election: " + renewer);
    renewer.close();
    sampler.close();

    assertEquals(List.of(), renewer.notMember, "renewals answered 404 (it had expired)");
    assertEquals(List.of(), sampler.absences, "views without the member");
    for (PayaraNode node : live()) {
      assertTrue(
          sampler.samples.getOrDefault(node.id, new AtomicInteger()).get() > 20,
          "the sampler read " + node.id + " " + sampler.samples);
      Map<String, Object> m = memberOf(read(node, group, false), "survivor");
      assertNotNull(m, node.id);
      assertEquals(
          joinIndex, m.get("joinIndex"), node.id + ": the same membership, never re-joined");
    }
    LOG.info(() -> "the survivor stayed through the kill of " + oldLeader.id + ": " + renewer);
    assertEquals(204, leave(newLeader, group, "survivor").statusCode());
  }

  // ---------------------------------------------------------------- e) rebuilt node

  @Test
  @Order(4)
  void aNodeRebuiltFromScratchGetsTheSameMembersByInstallSnapshot() throws Exception {
    PayaraNode victim;
    if (down.isEmpty()) {
      PayaraNode leader = awaitLeader(live());
      victim = live().stream().filter(n -> n != leader).findFirst().orElseThrow();
      victim.kill();
      down.add(victim);
    } else {
      victim = down.iterator().next();
    }
    // Ten members probed over TCP at a port this test keeps open, the rest on leases of ten
    // minutes: nothing changes while the views are compared.
    ServerSocket probed = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    closeAtEnd.add(probed);
    Thread accepter = new Thread(() -> acceptAndClose(probed), "probe-target");
    accepter.setDaemon(true);
    accepter.start();

    // More entries than SNAPSHOT_ENTRIES while the victim is down: the leader snapshots with
    // these members in and compacts its log, so the new node can only start from the snapshot.
    int count = SNAPSHOT_ENTRIES + 200;
    Map<String, String> bodies = new LinkedHashMap<>();
    for (int i = 0; i < count; i++) {
      String member = String.format("e-%d/m-%04d", i % 4, i);
      bodies.put(
          member,
          i < 10
              ? body("127.0.0.1:" + probed.getLocalPort(), 60, Map.of("n", "" + i), "tcp")
              : body("10.1." + (i / 250) + "." + (i % 250) + ":80", 600, meta(i), "none"));
    }
    Map<String, Integer> statuses = changeAll("PUT", bodies, 32);
    assertEquals(Set.of(201), Set.copyOf(statuses.values()), "joins: " + histogram(statuses));
    Map<String, String> leaving = new LinkedHashMap<>();
    bodies.keySet().stream().skip(10).limit(100).forEach(k -> leaving.put(k, null));
    Map<String, Integer> left = changeAll("DELETE", leaving, 32);
    assertEquals(Set.of(204), Set.copyOf(left.values()), "leaves: " + histogram(left));

    long logBefore =
        Files.exists(victim.dir.resolve("node.log"))
            ? Files.size(victim.dir.resolve("node.log"))
            : 0;
    victim.wipeData();
    victim.start(peers, secret, environment());
    victim.awaitReady(http, STARTUP);
    down.remove(victim);

    PayaraNode leader = awaitLeader(live());
    Map<String, Object> lastLeader = new TreeMap<>();
    Map<String, Object> lastVictim = new TreeMap<>();
    await(
        Duration.ofSeconds(90),
        () -> {
          lastLeader.clear();
          lastVictim.clear();
          lastLeader.putAll(everyGroup(leader, false));
          lastVictim.putAll(everyGroup(victim, true));
          return lastLeader.equals(lastVictim);
        },
        () -> victim.id + " shows " + summary(lastVictim) + ", the leader " + summary(lastLeader));
    assertEquals(4L, lastLeader.keySet().stream().filter(g -> g.startsWith("e-")).count());
    assertEquals(count - 100, totalMembers(lastLeader), "the members of the e- groups");

    String log = Files.readString(victim.dir.resolve("node.log"));
    Matcher installed =
        Pattern.compile("installed a snapshot at index (\\d+)")
            .matcher(log.substring((int) Math.min(logBefore, log.length())));
    assertTrue(installed.find(), victim.id + " was rebuilt without a snapshot; see its node.log");
    LOG.info(
        () ->
            victim.id
                + " rebuilt from snapshot "
                + installed.group(1)
                + "; "
                + summary(lastVictim));
  }

  // ---------------------------------------------------------------- d) 10 × 1,000 members

  /**
   * Not in {@code bin/spindle test} (it takes about 6 minutes): it runs with {@code bin/spindle
   * soak groups} (property {@code spindle.groups.fleet=true}). The fleet joins 16 at a time while
   * those that joined renew through all three nodes; then two ttls of renewals. No renewal may be
   * answered 404, no member may go a ttl without a renewal the client sent, and every node must
   * show every member with the join it made.
   */
  @Test
  @Order(5)
  @EnabledIfSystemProperty(named = "spindle.groups.fleet", matches = "true")
  void tenGroupsOfAThousandMembersRenewedContinuouslyNeverExpire() throws Exception {
    assertEquals(3, live().size(), "the fleet runs on three nodes");
    List<String> keys = new ArrayList<>();
    for (int g = 0; g < FLEET_GROUPS; g++) {
      for (int m = 0; m < FLEET_MEMBERS_PER_GROUP; m++) {
        keys.add(String.format("d-%d/m-%04d", g, m));
      }
    }
    Map<String, String> joins = new LinkedHashMap<>();
    for (String key : keys) {
      joins.put(
          key,
          body("10.2.0." + (key.hashCode() & 0xff) + ":80", FLEET_TTL_SECONDS, Map.of(), "none"));
    }
    // Each member is renewed from its join on: joining 10,000 may take longer than a ttl.
    FleetRenewals renewals = new FleetRenewals(keys);
    closeAtEnd.add(renewals);
    renewals.start();
    long joinStart = System.nanoTime();
    Map<String, Integer> statuses =
        changeAll(
            "PUT",
            joins,
            FLEET_JOINS_IN_FLIGHT,
            (key, status) -> {
              if (status == 201) {
                renewals.joined(key);
              }
            });
    long joinMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - joinStart);
    assertEquals(Set.of(201), Set.copyOf(statuses.values()), "joins: " + histogram(statuses));
    LOG.info(() -> keys.size() + " joins in " + joinMillis + " ms");

    PayaraNode leader = awaitLeader(live());
    Map<String, Long> afterJoin = new TreeMap<>();
    Map<String, Map<String, Long>> joinIndexes = new TreeMap<>();
    for (int g = 0; g < FLEET_GROUPS; g++) {
      String group = "d-" + g;
      Map<String, Object> view = read(leader, group, false);
      afterJoin.put(group, (Long) view.get("index"));
      Map<String, Long> byId = new TreeMap<>();
      membersById(view).forEach((id, m) -> byId.put(id, (Long) m.get("joinIndex")));
      if (byId.size() != FLEET_MEMBERS_PER_GROUP) {
        renewals.close();
        fail(
            group
                + " has "
                + byId.size()
                + " members right after the joins; renewals: "
                + renewals
                + ", "
                + renewals.notMember.size()
                + " answered 404 (e.g. "
                + renewals.notMember.stream().limit(3).toList()
                + "); its changes: "
                + changeKinds(leader, group));
      }
      joinIndexes.put(group, byId);
    }

    // Two ttls more of renewals, every member every FLEET_RENEW_EVERY_SECONDS.
    renewals.stopAt(System.nanoTime() + TimeUnit.SECONDS.toNanos(2L * FLEET_TTL_SECONDS));
    LOG.info(() -> "fleet renewals: " + renewals);
    assertEquals(List.of(), renewals.notMember, "renewals answered 404: those members had expired");
    assertEquals(0, renewals.failed.get(), "renewals no node took: " + renewals);
    assertTrue(
        renewals.maxGapMillis() < FLEET_TTL_SECONDS * 1000L,
        "a member went " + renewals.maxGapMillis() + " ms without a renewal: " + renewals);

    for (PayaraNode node : live()) {
      for (Map.Entry<String, Map<String, Long>> g : joinIndexes.entrySet()) {
        Map<String, Long> byId = new TreeMap<>();
        membersById(read(node, g.getKey(), false))
            .forEach((id, m) -> byId.put(id, (Long) m.get("joinIndex")));
        assertEquals(
            g.getValue(), byId, node.id + " " + g.getKey() + ": every member, as it joined");
      }
    }
    for (Map.Entry<String, Long> g : afterJoin.entrySet()) {
      HttpResponse<String> r =
          get(
              leader,
              "/api/groups/"
                  + g.getKey()
                  + "?wait=true&after="
                  + g.getValue()
                  + "&timeoutSeconds=1");
      assertEquals(200, r.statusCode(), r.body());
      Map<String, Object> view = Json.object(r.body());
      assertEquals(
          Boolean.FALSE,
          view.get("reset"),
          g.getKey() + ": the changes since the joins are remembered");
      List<?> expired =
          ((List<?>) view.get("changes"))
              .stream().filter(c -> !"alive".equals(((Map<?, ?>) c).get("kind"))).toList();
      assertEquals(List.of(), expired, g.getKey() + ": changes after the joins");
    }
  }

  // ---------------------------------------------------------------- renewals and sampling

  /** Renews one member at a fixed rate through the live nodes in turn. */
  private final class Renewer implements AutoCloseable {
    final List<String> notMember = new CopyOnWriteArrayList<>();
    final AtomicLong renewed = new AtomicLong();
    final AtomicLong unanswered = new AtomicLong();
    private final String group;
    private final String id;
    private final Duration every;
    private final Thread thread;
    private volatile boolean stopped;

    Renewer(String group, String id, Duration every) {
      this.group = group;
      this.id = id;
      this.every = every;
      this.thread = new Thread(this::run, "renewer-" + id);
    }

    void start() {
      thread.start();
    }

    private void run() {
      int next = 0;
      long at = System.nanoTime();
      while (!stopped) {
        for (int attempt = 0; attempt < 6 && !stopped; attempt++) {
          List<PayaraNode> targets = live();
          PayaraNode node = targets.get(next++ % targets.size());
          try {
            HttpResponse<String> r =
                http.send(
                    SystemTokens.request(node.url().resolve(memberPath(group, id) + "/renew"))
                        .timeout(Duration.ofSeconds(1))
                        .POST(HttpRequest.BodyPublishers.noBody())
                        .build(),
                    HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() == 200) {
              renewed.incrementAndGet();
              break;
            }
            if (r.statusCode() == 404) {
              notMember.add(node.id + ": " + r.body());
              break;
            }
          } catch (IOException e) {
            // that node is down, or its leader is: the next one
          } catch (InterruptedException e) {
            return;
          }
          unanswered.incrementAndGet();
        }
        at += every.toNanos();
        long wait = at - System.nanoTime();
        if (wait > 0) {
          try {
            TimeUnit.NANOSECONDS.sleep(wait); // the renewal period: a fixed rate
          } catch (InterruptedException e) {
            return;
          }
        }
      }
    }

    @Override
    public void close() throws InterruptedException {
      stopped = true;
      thread.join(10_000);
    }

    @Override
    public String toString() {
      return renewed + " renewed, " + unanswered + " attempts unanswered";
    }
  }

  /**
   * Reads every live node's own view of a group continuously; notes each one without the member.
   */
  private final class Sampler implements AutoCloseable {
    final List<String> absences = new CopyOnWriteArrayList<>();
    final Map<String, AtomicInteger> samples = new ConcurrentHashMap<>();
    private final String group;
    private final String id;
    private final Thread thread;
    private volatile boolean stopped;

    Sampler(String group, String id) {
      this.group = group;
      this.id = id;
      this.thread = new Thread(this::run, "sampler-" + id);
    }

    void start() {
      thread.start();
    }

    private void run() {
      while (!stopped) {
        for (PayaraNode node : live()) {
          try {
            HttpResponse<String> r =
                http.send(
                    SystemTokens.request(node.url().resolve("/api/groups/" + group + "?stale=true"))
                        .timeout(Duration.ofSeconds(1))
                        .build(),
                    HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
              continue;
            }
            samples.computeIfAbsent(node.id, k -> new AtomicInteger()).incrementAndGet();
            if (memberOf(Json.object(r.body()), id) == null) {
              absences.add(node.id + " at " + System.currentTimeMillis() + ": " + r.body());
            }
          } catch (IOException e) {
            // killed, or too busy to answer in time: no sample
          } catch (InterruptedException e) {
            return;
          }
        }
        try {
          Thread.sleep(50); // the sampling interval
        } catch (InterruptedException e) {
          return;
        }
      }
    }

    @Override
    public void close() throws InterruptedException {
      stopped = true;
      thread.join(10_000);
    }
  }

  /**
   * Renews every member of the fleet that has joined once every {@value #FLEET_RENEW_EVERY_SECONDS}
   * s, spread evenly over that period, through the three nodes in turn, with at most {@value
   * #FLEET_IN_FLIGHT} requests in flight; a renewal no node answers is tried on the next node, up
   * to three times. Notes each member's longest time between its join or a renewal and the next.
   */
  private final class FleetRenewals implements AutoCloseable {
    final List<String> notMember = new CopyOnWriteArrayList<>();
    final AtomicLong renewed = new AtomicLong();
    final AtomicLong retried = new AtomicLong();
    final AtomicLong failed = new AtomicLong();
    private final List<String> keys;
    private final Map<String, Integer> positions = new HashMap<>();
    private final AtomicLongArray lastRenewedNanos;
    private final AtomicLongArray maxGapNanos;
    private final Semaphore inFlight = new Semaphore(FLEET_IN_FLIGHT);
    private final AtomicLong maxLatencyNanos = new AtomicLong();
    private final Thread thread = new Thread(this::run, "fleet-renewals");
    private volatile long stopAtNanos = Long.MAX_VALUE;
    private volatile long maxLagNanos;
    private volatile Throwable failure;

    FleetRenewals(List<String> keys) {
      this.keys = keys;
      for (int i = 0; i < keys.size(); i++) {
        positions.put(keys.get(i), i);
      }
      this.lastRenewedNanos = new AtomicLongArray(keys.size());
      this.maxGapNanos = new AtomicLongArray(keys.size());
    }

    void start() {
      thread.start();
    }

    /** The member's join was acknowledged: renew it from now on. */
    void joined(String key) {
      lastRenewedNanos.set(positions.get(key), System.nanoTime());
    }

    /** Renews until {@code nanos}, then waits for the last answers. */
    void stopAt(long nanos) throws InterruptedException {
      stopAtNanos = nanos;
      thread.join();
      if (failure != null) {
        fail("the renewals failed", failure);
      }
    }

    private void run() {
      try {
        List<PayaraNode> targets = live();
        long start = System.nanoTime();
        long period = TimeUnit.SECONDS.toNanos(FLEET_RENEW_EVERY_SECONDS);
        rounds:
        for (long round = 0; ; round++) {
          for (int i = 0; i < keys.size(); i++) {
            long due = start + round * period + period * i / keys.size();
            if (due > stopAtNanos) {
              break rounds;
            }
            // Sleeping for each renewal's millisecond would fall behind (a sleep takes longer
            // under load): renewals due within the next 20 ms go now.
            long wait = due - System.nanoTime();
            if (wait > TimeUnit.MILLISECONDS.toNanos(20)) {
              TimeUnit.NANOSECONDS.sleep(wait); // the renewal schedule: a fixed rate
            }
            if (lastRenewedNanos.get(i) == 0) {
              continue; // not joined yet
            }
            maxLagNanos = Math.max(maxLagNanos, System.nanoTime() - due);
            inFlight.acquire();
            renew(i, targets.get((int) ((i + round) % targets.size())), targets, 0);
          }
        }
        inFlight.acquire(FLEET_IN_FLIGHT);
        inFlight.release(FLEET_IN_FLIGHT);
        long now = System.nanoTime();
        for (int i = 0; i < keys.size(); i++) {
          recordGap(i, now);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (RuntimeException e) {
        failure = e;
      }
    }

    private void renew(int i, PayaraNode node, List<PayaraNode> targets, int attempt) {
      String key = keys.get(i);
      long sent = System.nanoTime();
      http.sendAsync(
              SystemTokens.request(node.url().resolve(memberPath(key) + "/renew"))
                  .timeout(Duration.ofSeconds(10))
                  .POST(HttpRequest.BodyPublishers.noBody())
                  .build(),
              HttpResponse.BodyHandlers.ofString())
          .whenComplete(
              (r, failure) -> {
                long now = System.nanoTime();
                maxLatencyNanos.accumulateAndGet(now - sent, Math::max);
                if (r != null && r.statusCode() == 200) {
                  renewed.incrementAndGet();
                  recordGap(i, now);
                  lastRenewedNanos.set(i, now);
                  inFlight.release();
                } else if (r != null && r.statusCode() == 404) {
                  notMember.add(key + " through " + node.id + ": " + r.body());
                  inFlight.release();
                } else if (attempt < 3) {
                  retried.incrementAndGet();
                  PayaraNode other = targets.get((targets.indexOf(node) + 1) % targets.size());
                  renew(i, other, targets, attempt + 1);
                } else {
                  failed.incrementAndGet();
                  inFlight.release();
                }
              });
    }

    private void recordGap(int i, long now) {
      long last = lastRenewedNanos.get(i);
      if (last != 0) {
        maxGapNanos.accumulateAndGet(i, now - last, Math::max);
      }
    }

    long maxGapMillis() {
      long max = 0;
      for (int i = 0; i < keys.size(); i++) {
        max = Math.max(max, maxGapNanos.get(i));
      }
      return TimeUnit.NANOSECONDS.toMillis(max);
    }

    @Override
    public void close() throws InterruptedException {
      stopAtNanos = 0;
      thread.join(30_000);
    }

    @Override
    public String toString() {
      return renewed
          + " renewed, "
          + retried
          + " retried, "
          + failed
          + " failed, longest gap "
          + maxGapMillis()
          + " ms, slowest answer "
          + TimeUnit.NANOSECONDS.toMillis(maxLatencyNanos.get())
          + " ms, schedule late by at most "
          + TimeUnit.NANOSECONDS.toMillis(maxLagNanos)
          + " ms";
    }
  }

  // ---------------------------------------------------------------- the member process

  private JavaProcess startMember(String group, String id, int ttlSeconds) throws IOException {
    String servers = live().stream().map(n -> n.url().toString()).collect(Collectors.joining(","));
    JavaProcess p =
        JavaProcess.start(
            "io.spindle.bench.GroupMemberProcess",
            List.of("--servers", servers, "--group", group, "--id", id, "--ttl", "" + ttlSeconds),
            Map.of("SPINDLE_TOKEN", SystemTokens.TOKEN),
            root.resolve("member-" + id + ".log"));
    members.add(p);
    return p;
  }

  /** The first line of the member's output that starts with {@code prefix}, once there is one. */
  private String awaitLine(JavaProcess member, String prefix) throws Exception {
    String[] line = {null};
    await(
        Duration.ofSeconds(60),
        () -> {
          try {
            line[0] =
                member.output().lines().filter(l -> l.startsWith(prefix)).findFirst().orElse(null);
          } catch (IOException e) {
            return false;
          }
          return line[0] != null || !member.isAlive();
        },
        () -> "the member says '" + prefix + "'");
    assertNotNull(line[0], "the member ended: " + member.output());
    return line[0];
  }

  /** The wall clock when the member sent its last renewal that a node answered 200. */
  private static long lastRenewalSentMillis(JavaProcess member) throws IOException {
    List<String> renewals = member.output().lines().filter(l -> l.startsWith("renewed ")).toList();
    assertFalse(renewals.size() < 3, "the member renewed: " + member.output());
    return Long.parseLong(renewals.get(renewals.size() - 1).split(" ")[1]);
  }

  // ---------------------------------------------------------------- waiting on views

  private void awaitOnEveryNode(String group, Set<String> ids) throws Exception {
    for (PayaraNode node : live()) {
      await(
          Duration.ofSeconds(30),
          () -> membersById(read(node, group, true)).keySet().equals(ids),
          () -> node.id + " shows " + ids + " in " + group);
    }
  }

  /**
   * Polls every live node's own view (every 50 ms) until none shows any of {@code ids}: for each
   * member and node, the monotonic and the wall clock when it was first seen gone.
   */
  private Map<String, Map<String, long[]>> awaitGoneEverywhere(String group, Set<String> ids)
      throws Exception {
    Map<String, Map<String, long[]>> gone = new TreeMap<>();
    for (String id : ids) {
      gone.put(id, new TreeMap<>());
    }
    List<PayaraNode> among = live();
    // Looked at every 50 ms: the removal's time is measured at this granularity.
    Await.until(
        Duration.ofSeconds(TTL_SECONDS + 30),
        Duration.ofMillis(50),
        () -> {
          for (PayaraNode node : among) {
            Set<String> present = membersById(read(node, group, true)).keySet();
            long nanos = System.nanoTime();
            long millis = System.currentTimeMillis();
            for (String id : ids) {
              if (!present.contains(id)) {
                gone.get(id).putIfAbsent(node.id, new long[] {nanos, millis});
              }
            }
          }
          return gone.values().stream().allMatch(m -> m.size() == among.size());
        },
        () -> "every node shows " + ids + " gone: " + gone.keySet());
    return gone;
  }

  private static long lastAbsentMs(Map<String, long[]> byNode, long sinceNanos) {
    long last = byNode.values().stream().mapToLong(t -> t[0]).max().orElseThrow();
    return TimeUnit.NANOSECONDS.toMillis(last - sinceNanos);
  }

  private static long firstAbsentMillis(Map<String, long[]> byNode) {
    return byNode.values().stream().mapToLong(t -> t[1]).min().orElseThrow();
  }

  // ---------------------------------------------------------------- the API

  private static String body(
      String address, int ttlSeconds, Map<String, String> meta, String probe) {
    StringBuilder m = new StringBuilder();
    for (Map.Entry<String, String> e : meta.entrySet()) {
      m.append(m.length() == 0 ? "" : ",")
          .append('"')
          .append(e.getKey())
          .append("\":\"")
          .append(e.getValue())
          .append('"');
    }
    return "{\"address\":\""
        + address
        + "\",\"ttlSeconds\":"
        + ttlSeconds
        + ",\"meta\":{"
        + m
        + "},\"probe\":\""
        + probe
        + "\"}";
  }

  private static Map<String, String> meta(int i) {
    return Map.of("n", Integer.toString(i), "zone", "z" + (i % 3), "role", i % 2 == 0 ? "a" : "b");
  }

  private static String memberPath(String group, String id) {
    return "/api/groups/" + group + "/members/" + id;
  }

  /** {@code group/id} → the member's path. */
  private static String memberPath(String key) {
    int slash = key.indexOf('/');
    return memberPath(key.substring(0, slash), key.substring(slash + 1));
  }

  private HttpResponse<String> join(PayaraNode node, String group, String id, String json)
      throws Exception {
    return http.send(
        SystemTokens.request(node.url().resolve(memberPath(group, id)))
            .timeout(Duration.ofSeconds(30))
            .header("Content-Type", "application/json")
            .PUT(HttpRequest.BodyPublishers.ofString(json))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> renew(PayaraNode node, String group, String id) throws Exception {
    return http.send(
        SystemTokens.request(node.url().resolve(memberPath(group, id) + "/renew"))
            .timeout(Duration.ofSeconds(30))
            .POST(HttpRequest.BodyPublishers.noBody())
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> leave(PayaraNode node, String group, String id) throws Exception {
    return http.send(
        SystemTokens.request(node.url().resolve(memberPath(group, id)))
            .timeout(Duration.ofSeconds(30))
            .DELETE()
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> get(PayaraNode node, String pathAndQuery) throws Exception {
    return http.send(
        SystemTokens.request(node.url().resolve(pathAndQuery))
            .timeout(Duration.ofSeconds(70))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** The group as {@code node} answers it (linearizable, or its own copy); fails on an error. */
  private Map<String, Object> read(PayaraNode node, String group, boolean stale) {
    try {
      HttpResponse<String> r = get(node, "/api/groups/" + group + (stale ? "?stale=true" : ""));
      assertEquals(200, r.statusCode(), node.id + " " + group + ": " + r.body());
      return Json.object(r.body());
    } catch (Exception e) {
      throw new AssertionError(node.id + " did not answer for " + group, e);
    }
  }

  private long index(PayaraNode node, String group) {
    return (Long) read(node, group, false).get("index");
  }

  /** The changes of {@code group} after {@code after}, as a watch answers them. */
  @SuppressWarnings("unchecked")
  private List<Map<String, Object>> changesAfter(PayaraNode node, String group, long after)
      throws Exception {
    HttpResponse<String> r =
        get(node, "/api/groups/" + group + "?wait=true&after=" + after + "&timeoutSeconds=1");
    assertEquals(200, r.statusCode(), r.body());
    Map<String, Object> view = Json.object(r.body());
    assertEquals(Boolean.FALSE, view.get("reset"), r.body());
    return (List<Map<String, Object>>) (List<?>) view.get("changes");
  }

  /** How many changes of each kind the group remembers. */
  private Map<Object, Long> changeKinds(PayaraNode node, String group) throws Exception {
    HttpResponse<String> r =
        get(node, "/api/groups/" + group + "?wait=true&after=0&timeoutSeconds=1");
    List<?> changes = (List<?>) Json.object(r.body()).get("changes");
    return changes.stream()
        .collect(
            Collectors.groupingBy(
                c -> ((Map<?, ?>) c).get("kind"), TreeMap::new, Collectors.counting()));
  }

  private static List<String> kinds(List<Map<String, Object>> changes, String member) {
    return changes.stream()
        .filter(c -> member.equals(c.get("member")))
        .map(c -> (String) c.get("kind"))
        .toList();
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Map<String, Object>> membersById(Map<String, Object> view) {
    Map<String, Map<String, Object>> byId = new TreeMap<>();
    for (Object m : (List<Object>) view.get("members")) {
      Map<String, Object> member = (Map<String, Object>) m;
      byId.put((String) member.get("id"), member);
    }
    return byId;
  }

  private static Map<String, Object> memberOf(Map<String, Object> view, String id) {
    return membersById(view).get(id);
  }

  /**
   * Every group {@code node} lists, each as its members' id → [address, meta, joinIndex, probe,
   * ttlSeconds]: what a rebuilt node must show as the leader does.
   */
  @SuppressWarnings("unchecked")
  private Map<String, Object> everyGroup(PayaraNode node, boolean stale) {
    Map<String, Object> groups = new TreeMap<>();
    try {
      HttpResponse<String> r = get(node, "/api/groups" + (stale ? "?stale=true" : ""));
      if (r.statusCode() != 200) {
        return Map.of("error", r.statusCode());
      }
      for (Object g : Json.array(r.body())) {
        String name = (String) ((Map<String, Object>) g).get("group");
        Map<String, Object> byId = new TreeMap<>();
        membersById(read(node, name, stale))
            .forEach(
                (id, m) ->
                    byId.put(
                        id,
                        List.of(
                            m.get("address"),
                            m.get("meta"),
                            m.get("joinIndex"),
                            m.get("probe"),
                            m.get("ttlSeconds"))));
        groups.put(name, byId);
      }
    } catch (Exception | AssertionError e) {
      return Map.of("error", e.toString());
    }
    return groups;
  }

  private static String summary(Map<String, Object> groups) {
    return groups.entrySet().stream()
        .map(
            e -> e.getKey() + "=" + (e.getValue() instanceof Map<?, ?> m ? m.size() : e.getValue()))
        .collect(Collectors.joining(", ", "{", "}"));
  }

  private static long totalMembers(Map<String, Object> groups) {
    return groups.entrySet().stream()
        .filter(e -> e.getKey().startsWith("e-"))
        .mapToLong(e -> ((Map<?, ?>) e.getValue()).size())
        .sum();
  }

  /**
   * {@code method} (PUT with the body, or DELETE) on every {@code group/id} key, spread over the
   * live nodes with at most {@code inFlight} at once; a request that got no answer, or 503 or 409
   * (an election), is sent again to the next node. Returns each key's final status.
   */
  private Map<String, Integer> changeAll(String method, Map<String, String> bodies, int inFlight)
      throws Exception {
    return changeAll(method, bodies, inFlight, (key, status) -> {});
  }

  /** As above, telling {@code done} of each key's final status as it comes. */
  private Map<String, Integer> changeAll(
      String method,
      Map<String, String> bodies,
      int inFlight,
      java.util.function.BiConsumer<String, Integer> done)
      throws Exception {
    List<PayaraNode> targets = live();
    Semaphore permits = new Semaphore(inFlight);
    Map<String, Integer> statuses = new ConcurrentHashMap<>();
    int i = 0;
    for (Map.Entry<String, String> e : bodies.entrySet()) {
      permits.acquire();
      change(method, e.getKey(), e.getValue(), targets, i++, 0)
          .whenComplete(
              (status, failure) -> {
                int s = failure != null ? -1 : status;
                statuses.put(e.getKey(), s);
                done.accept(e.getKey(), s);
                permits.release();
              });
    }
    permits.acquire(inFlight);
    permits.release(inFlight);
    return statuses;
  }

  private CompletableFuture<Integer> change(
      String method, String key, String json, List<PayaraNode> targets, int turn, int attempt) {
    PayaraNode node = targets.get(turn % targets.size());
    HttpRequest.Builder request =
        SystemTokens.request(node.url().resolve(memberPath(key))).timeout(Duration.ofSeconds(30));
    request =
        json == null
            ? request.DELETE()
            : request
                .header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(json));
    return http.sendAsync(request.build(), HttpResponse.BodyHandlers.discarding())
        .handle((r, failure) -> r == null ? -1 : r.statusCode())
        .thenCompose(
            status ->
                (status == -1 || status == 503 || status == 409) && attempt < 3
                    ? change(method, key, json, targets, turn + 1, attempt + 1)
                    : CompletableFuture.completedFuture(status));
  }

  private static Map<Integer, Long> histogram(Map<String, Integer> statuses) {
    return statuses.values().stream()
        .collect(Collectors.groupingBy(s -> s, TreeMap::new, Collectors.counting()));
  }

  // ---------------------------------------------------------------- nodes

  private List<PayaraNode> live() {
    return nodes.stream().filter(n -> !down.contains(n) && n.isAlive()).toList();
  }

  private PayaraNode awaitLeader(List<PayaraNode> among) throws Exception {
    PayaraNode[] leader = {null};
    await(
        ELECTION,
        () -> {
          for (PayaraNode node : among) {
            Optional<String> cluster = cluster(node);
            if (cluster.isPresent() && "LEADER".equals(match(ROLE, cluster.get()))) {
              if (among.stream()
                  .allMatch(
                      n -> cluster(n).map(c -> node.id.equals(match(LEADER, c))).orElse(false))) {
                leader[0] = node;
                return true;
              }
            }
          }
          return false;
        },
        () -> "a leader that " + among.stream().map(n -> n.id).toList() + " agree on");
    return leader[0];
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

  private static void acceptAndClose(ServerSocket server) {
    while (!server.isClosed()) {
      try (Socket s = server.accept()) {
        // a TCP probe only connects
      } catch (IOException e) {
        // closed at the end
      }
    }
  }

  // ---------------------------------------------------------------- helpers

  private static void await(Duration timeout, BooleanSupplier condition, Supplier<String> what) {
    Await.until(timeout, Duration.ofMillis(200), condition, what);
  }

  private static String match(Pattern p, String s) {
    Matcher m = p.matcher(s);
    return m.find() ? m.group(1) : null;
  }
}
