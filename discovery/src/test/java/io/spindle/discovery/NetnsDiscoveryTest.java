package io.spindle.discovery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spindle.testkit.netns.NetnsLab;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Discovery between hosts: a LAN-mode discovery server in namespace h1, nodes in h2 and h3, all on
 * one bridge ({@link NetnsLab}), over the default ports 8888 and 239.0.0.1:10000, which inside the
 * namespaces disturb nothing on the machine. h2 has only its connected route; h3 also a default
 * route. Each server and client is a child JVM ({@link DiscoveryProbe}).
 */
class NetnsDiscoveryTest {
  private static final String CLUSTER = "netns-test";
  private static final String SECRET = "netns test secret, long enough to be fine";
  private static final Map<String, String> ENV =
      Map.of("SPINDLE_DISCOVERY_CLUSTER", CLUSTER, "SPINDLE_DISCOVERY_SECRET", SECRET);
  private static final Duration CHILD_TIMEOUT = Duration.ofSeconds(20);
  private static final Pattern STATS = Pattern.compile("STATS answered=(\\d+) drops=\\{(.*)}");
  private static final Pattern DROP = Pattern.compile("(\\w+)=(\\d+)");

  @RegisterExtension static final NetnsLab LAB = new NetnsLab(3);

  private static NetnsLab.Child server;

  @BeforeAll
  static void startServerInH1() throws Exception {
    LAB.addDefaultRoute(3);
    server =
        LAB.startJava(
            1, ENV, DiscoveryProbe.class, "server", "--queue=" + LAB.address(1) + ":4000");
    String ready = server.awaitLineStartingWith("READY", CHILD_TIMEOUT);
    assertTrue(ready.contains("0.0.0.0:8888"), ready);
    assertTrue(ready.contains("239.0.0.1:10000"), ready);
  }

  private static String uniqueNode(String name) {
    return name + "-" + Integer.toHexString(ThreadLocalRandom.current().nextInt(1 << 20));
  }

  /** Runs a client in {@code host} and returns its one result line. */
  private static Result runClient(int host, Map<String, String> env, String node, String... args)
      throws Exception {
    List<String> all = new ArrayList<>();
    all.add("client");
    all.add("--node=" + node);
    all.add("--raft=" + LAB.address(host) + ":7000");
    all.addAll(List.of(args));
    try (NetnsLab.Child client =
        LAB.startJava(host, env, DiscoveryProbe.class, all.toArray(String[]::new))) {
      String line =
          client.awaitLine(
              l -> l.startsWith("DISCOVERED") || l.startsWith("TIMEOUT") || l.startsWith("ERROR"),
              CHILD_TIMEOUT);
      int exit = client.awaitExit(CHILD_TIMEOUT);
      return new Result(line, exit, client.stderr());
    }
  }

  private record Result(String line, int exit, String stderr) {
    int attempts() {
      Matcher m = Pattern.compile("attempts=(\\d+)").matcher(line);
      assertTrue(m.find(), line);
      return Integer.parseInt(m.group(1));
    }
  }

  private static void assertDiscovered(Result result) {
    assertEquals(0, result.exit(), result.line() + "\n" + result.stderr());
    assertEquals("DISCOVERED queue=" + LAB.address(1) + ":4000 leader=n0 members=1", result.line());
  }

  /** The server saw {@code node} announce itself from {@code host}'s address. */
  private static void assertAnnounced(String node, int host) throws InterruptedException {
    server.awaitLine(
        line -> line.equals("ANNOUNCED " + node + " " + LAB.address(host)), CHILD_TIMEOUT);
  }

  /** What the server has answered and dropped so far. */
  private record Stats(long answered, Map<DropReason, Long> drops) {
    long dropped(DropReason reason) {
      return drops.getOrDefault(reason, 0L);
    }
  }

  private static Stats serverStats() throws Exception {
    server.tell("stats");
    String line = server.awaitLineStartingWith("STATS", CHILD_TIMEOUT);
    Matcher stats = STATS.matcher(line);
    assertTrue(stats.matches(), line);
    Map<DropReason, Long> drops = new EnumMap<>(DropReason.class);
    Matcher drop = DROP.matcher(stats.group(2));
    while (drop.find()) {
      drops.put(DropReason.valueOf(drop.group(1)), Long.parseLong(drop.group(2)));
    }
    return new Stats(Long.parseLong(stats.group(1)), drops);
  }

  @Test
  void subnetBroadcastReachesTheServerWithoutADefaultRoute() throws Exception {
    String node = uniqueNode("bcast");

    Result result = runClient(2, ENV, node, "--multicast=false");

    assertDiscovered(result);
    assertAnnounced(node, 2);
    // Without a default route the limited broadcast cannot go out; the subnet's broadcast can.
    assertTrue(
        result.stderr().contains("cannot announce to 255.255.255.255:8888"), result.stderr());
    assertTrue(result.stderr().toLowerCase().contains("unreachable"), result.stderr());
  }

  @Test
  void limitedBroadcastReachesTheServerThroughADefaultRoute() throws Exception {
    String node = uniqueNode("limited");

    Result result =
        runClient(3, ENV, node, "--multicast=false", "--broadcast-addresses=255.255.255.255");

    assertDiscovered(result);
    assertAnnounced(node, 3);
    assertFalse(result.stderr().contains("cannot announce"), result.stderr());
  }

  @Test
  void multicastCrossesTheBridge() throws Exception {
    String node = uniqueNode("mcast");

    Result result = runClient(3, ENV, node, "--broadcast=false");

    assertDiscovered(result);
    assertAnnounced(node, 3);
  }

  /**
   * The client names the outgoing interface for each multicast (IP_MULTICAST_IF), so no route to
   * 224.0.0.0/4 is needed: h2 has none.
   */
  @Test
  void multicastThroughANamedInterfaceNeedsNoRoute() throws Exception {
    String node = uniqueNode("mcast-if");

    Result result = runClient(2, ENV, node, "--broadcast=false", "--interface=eth0");

    assertDiscovered(result);
    assertAnnounced(node, 2);
  }

  @Test
  void nodeWithoutTheSecretIsRefused() throws Exception {
    Stats before = serverStats();
    Map<String, String> stranger =
        Map.of("SPINDLE_DISCOVERY_CLUSTER", CLUSTER, "SPINDLE_DISCOVERY_SECRET", "a guess");

    Result result = runClient(2, stranger, uniqueNode("stranger"), "--timeout-ms=1500");

    assertEquals(3, result.exit(), result.line() + "\n" + result.stderr());
    assertTrue(result.line().contains("no edge list from the discovery server"), result.line());
    Stats after = serverStats();
    long refused =
        after.dropped(DropReason.BAD_SIGNATURE) - before.dropped(DropReason.BAD_SIGNATURE);
    assertEquals(before.answered(), after.answered(), "the stranger got no answer");
    assertTrue(
        refused >= result.attempts(),
        "every announcement (one by subnet broadcast, one by multicast each time) is refused: "
            + refused
            + " refusals for "
            + result.attempts()
            + " announcements");
  }

  @Test
  void loopbackDiscoveryNeverLeavesItsHost() throws Exception {
    Stats before = serverStats();
    long sentBefore = LAB.transmittedPackets(2);

    Result result = runClient(2, ENV, uniqueNode("local"), "--mode=LOOPBACK", "--timeout-ms=1000");

    // No server runs in h2, and the one in h1, listening on the same ports, hears nothing.
    assertEquals(3, result.exit(), result.line() + "\n" + result.stderr());
    assertTrue(result.attempts() >= 2, result.line());
    // Each announcement that leaked would send at least one packet out of eth0 (IPv6 is off in
    // the lab, so h2 sends nothing of its own; the bound still holds if it were on).
    long sent = LAB.transmittedPackets(2) - sentBefore;
    assertTrue(
        sent < result.attempts(), sent + " packets out of h2's eth0 during " + result.line());
    assertEquals(before, serverStats(), "the server in h1 heard nothing");
  }
}
