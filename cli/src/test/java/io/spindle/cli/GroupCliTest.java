package io.spindle.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spindle.protocol.queue.NodeRole;
import io.spindle.queue.QueueServer;
import io.spindle.queue.testing.FakeCluster;
import io.spindle.queue.testing.TestNode;
import io.spindle.queue.testing.TestServers;
import io.spindle.testkit.Await;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code spindle group} against an in-JVM queue server and test nodes on the real node protocol,
 * whose group membership is a {@link io.spindle.queue.testing.FakeGroups}: arguments, output
 * (tables and --json with the REST API's names), exit statuses, {@code join --keep} and {@code
 * watch} until interrupted (by hand here, as SIGINT or SIGTERM would), and a watch across a queue
 * server's failover.
 */
class GroupCliTest {
  private static final Duration WAIT = Duration.ofSeconds(20);

  @TempDir Path tmp;
  private final FakeCluster cluster = new FakeCluster();
  private final List<AutoCloseable> open = new ArrayList<>();
  private QueueServer server;

  /** What one run printed, and how it ended. */
  record Run(int exit, String out, String err) {}

  /** A run under way: its output so far, and its end. */
  record Running(ByteArrayOutputStream out, ByteArrayOutputStream err, CompletableFuture<Run> end) {
    String outSoFar() {
      return out.toString(StandardCharsets.UTF_8);
    }

    String errSoFar() {
      return err.toString(StandardCharsets.UTF_8);
    }
  }

  /** Interrupts by hand, as the user's Ctrl-C or a SIGTERM would. */
  static final class ManualInterrupts implements Interrupts {
    private final List<Runnable> handlers = new CopyOnWriteArrayList<>();

    @Override
    public AutoCloseable onInterrupt(Runnable onInterrupt) {
      handlers.add(onInterrupt);
      return () -> handlers.remove(onInterrupt);
    }

    boolean listening() {
      return !handlers.isEmpty();
    }

    void interrupt() {
      handlers.forEach(Runnable::run);
    }
  }

  @BeforeEach
  void start() throws IOException {
    cluster.addMember("n1", "http://127.0.0.1:3000");
    server = startServer("a");
    node(server, "n1");
  }

  @AfterEach
  void stop() throws Exception {
    for (AutoCloseable c : open) {
      c.close();
    }
  }

  private QueueServer startServer(String name) throws IOException {
    QueueServer s =
        TestServers.start(TestServers.config(tmp.resolve("spool-" + name)), InstantSource.system());
    open.add(0, s);
    return s;
  }

  private void node(QueueServer s, String id) throws IOException {
    open.add(
        0, TestNode.start(s.localAddress(), id, TestServers.SECRET, cluster, NodeRole.LEADER, 1));
  }

  private static String address(QueueServer s) {
    return "127.0.0.1:" + s.localAddress().getPort();
  }

  private Run spindle(String... args) {
    Running r = start(new ManualInterrupts(), address(server), args);
    return r.end().join();
  }

  private Running start(Interrupts interrupts, String servers, String... args) {
    List<String> all = new ArrayList<>(List.of("--server", servers));
    all.addAll(List.of(args));
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    CompletableFuture<Run> end =
        CompletableFuture.supplyAsync(
            () -> {
              int exit =
                  SpindleCli.run(
                      all.toArray(String[]::new),
                      new PrintStream(out, true, StandardCharsets.UTF_8),
                      new PrintStream(err, true, StandardCharsets.UTF_8),
                      Map.of("SPINDLE_TOKEN", TestServers.TOKEN),
                      false,
                      interrupts);
              return new Run(
                  exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
            });
    return new Running(out, err, end);
  }

  private static Run end(Running r) throws Exception {
    return r.end().get(WAIT.toSeconds(), TimeUnit.SECONDS);
  }

  private static long number(String json, String field) {
    Matcher m = Pattern.compile("\"" + field + "\":(\\d+)").matcher(json);
    assertTrue(m.find(), () -> "no " + field + " in " + json);
    return Long.parseLong(m.group(1));
  }

  @Test
  void joinShowListRenewAndLeavePrintTablesOrTheRestApisJson() {
    Run joined =
        spindle(
            "group",
            "join",
            "web",
            "w1",
            "--address",
            "10.0.0.1:80",
            "--ttl",
            "12",
            "--meta",
            "zone=b",
            "--meta",
            "rack=r1=x",
            "--probe",
            "tcp",
            "--json");
    assertEquals(0, joined.exit(), joined.err());
    String j = joined.out().strip();
    assertTrue(
        j.matches(
            "\\{\"id\":\"w1\",\"address\":\"10.0.0.1:80\",\"meta\":\\{\"rack\":\"r1=x\","
                + "\"zone\":\"b\"\\},\"joinedAt\":\"\\d{4}-\\d\\d-\\d\\dT[0-9:.]+Z\","
                + "\"lastRenewed\":\"[^\"]+Z\",\"state\":\"alive\",\"ttlSeconds\":12,"
                + "\"probe\":\"tcp\",\"joinIndex\":\\d+,\"created\":true,\"index\":\\d+\\}"),
        j);
    long index = number(j, "index");
    assertEquals(index, number(j, "joinIndex"));

    Run again = spindle("group", "join", "web", "w1", "--address", "10.0.0.1:80");
    assertEquals(0, again.exit(), again.err());
    assertTrue(again.out().startsWith("renewed (already a member): w1 in web"), again.out());

    Run shown = spindle("group", "show", "web");
    assertEquals(0, shown.exit(), shown.err());
    List<String> lines = shown.out().lines().toList();
    assertTrue(lines.get(0).matches("group web at index \\d+: 1 member"), lines.get(0));
    assertTrue(
        lines.get(1).matches("ID +ADDRESS +STATE +TTL +PROBE +RENEWED \\(UTC\\) +META"),
        lines.get(1));
    assertTrue(
        lines.get(2).matches("w1 +10\\.0\\.0\\.1:80 +alive +30s +none +[0-9 :-]+ +-"),
        "the second join updated ttl, probe and meta: " + lines.get(2));

    Run shownJson = spindle("group", "show", "web", "--json", "--stale");
    assertTrue(
        shownJson
            .out()
            .strip()
            .matches(
                "\\{\"group\":\"web\",\"index\":\\d+,\"members\":\\[\\{\"id\":\"w1\",.*\\}\\],"
                    + "\"changes\":\\[\\],\"reset\":false\\}"),
        shownJson.out());

    Run list = spindle("group", "ls");
    assertEquals(
        List.of("GROUP  MEMBERS  INDEX", "web    1        " + (index + 1)),
        list.out().lines().toList());
    Run listJson = spindle("group", "ls", "--json");
    assertEquals(
        "[{\"group\":\"web\",\"members\":1,\"index\":" + (index + 1) + "}]",
        listJson.out().strip());

    Run renewed = spindle("group", "renew", "web", "w1", "--json");
    assertEquals(0, renewed.exit(), renewed.err());
    assertTrue(renewed.out().startsWith("{\"id\":\"w1\","), renewed.out());

    Run left = spindle("group", "leave", "web", "w1");
    assertEquals(0, left.exit(), left.err());
    assertEquals("w1 left web (index " + (index + 2) + ")", left.out().strip());
    assertEquals(List.of(), cluster.groups().members("web"));
    assertEquals("(no groups)", spindle("group", "ls").out().strip());
  }

  @Test
  void errorsHaveTheUsualExitStatuses() {
    Run notMember = spindle("group", "renew", "web", "nobody");
    assertEquals(ExitCode.NOT_FOUND, notMember.exit());
    assertTrue(notMember.err().contains("not a member"), notMember.err());
    assertTrue(notMember.err().contains("[NOT_FOUND]"), notMember.err());
    Run leaveJson = spindle("group", "leave", "web", "nobody", "--json");
    assertEquals(ExitCode.NOT_FOUND, leaveJson.exit());
    assertTrue(
        leaveJson.err().strip().matches("\\{\"error\":\".*\",\"exit\":3\\}"), leaveJson.err());

    Run badName = spindle("group", "join", "a/b", "w1", "--address", "x:1");
    assertEquals(ExitCode.USAGE, badName.exit(), "the node's rule: " + badName.err());
    assertTrue(badName.err().contains("[INVALID_ARGUMENT]"), badName.err());
    Run tooLong = spindle("group", "show", "g".repeat(256));
    assertEquals(ExitCode.USAGE, tooLong.exit(), "the queue server's bound: " + tooLong.err());
    assertTrue(tooLong.err().contains("at most 255 bytes"), tooLong.err());

    for (List<String> usage :
        List.of(
            List.of("group", "join", "web", "w1"),
            List.of("group", "join", "web", "w1", "--address", "x:1", "--probe", "udp"),
            List.of("group", "join", "web", "w1", "--address", "x:1", "--meta", "novalue"),
            List.of("group", "join", "web", "w1", "--address", "x:1", "--ttl", "0"),
            List.of("group", "join", "web", "w1", "--address", "x:1", "--ttl", "3601"),
            List.of("group", "watch", "web", "--after", "-1"),
            List.of("group", "show"),
            List.of("group"))) {
      Run r = spindle(usage.toArray(String[]::new));
      assertEquals(ExitCode.USAGE, r.exit(), usage + ": " + r.err());
    }
    assertEquals(List.of(), cluster.groups().members("web"), "nothing joined");
  }

  @Test
  void joinKeepRenewsJoinsAgainWhenItsLeaseLapsedAndLeavesWhenInterrupted() throws Exception {
    ManualInterrupts interrupts = new ManualInterrupts();
    Running keep =
        start(
            interrupts,
            address(server),
            "group",
            "join",
            "web",
            "k1",
            "--address",
            "10.0.0.9:80",
            "--ttl",
            "1",
            "--keep");
    Await.until(
        WAIT,
        () -> interrupts.listening() && cluster.groups().members("web").contains("k1"),
        () -> "k1 joined and keeps renewing: " + keep.errSoFar());

    cluster.groups().expire("web", "k1"); // as if its lease lapsed
    Await.until(
        WAIT,
        () -> cluster.groups().members("web").contains("k1"),
        () -> "k1 joined again: " + keep.errSoFar());
    assertTrue(
        keep.errSoFar()
            .contains("k1 is no longer a member of web (its lease lapsed); joining again"),
        keep.errSoFar());

    interrupts.interrupt();
    Run r = end(keep);
    assertEquals(0, r.exit(), r.err());
    assertEquals(List.of(), cluster.groups().members("web"), "it left");
    List<String> out = r.out().lines().toList();
    assertTrue(out.get(0).startsWith("joined: k1 in web at 10.0.0.9:80, ttl 1 s"), r.out());
    assertTrue(out.get(1).startsWith("joined again: k1 in web"), r.out());
    assertTrue(out.get(out.size() - 1).matches("k1 left web \\(index \\d+\\)"), r.out());
    assertFalse(interrupts.listening(), "the signal handlers are restored");
  }

  @Test
  void watchPrintsTheMembersThenEachChangeWithItsIndexUntilInterrupted() throws Exception {
    Run first = spindle("group", "join", "web", "w1", "--address", "10.0.0.1:80", "--json");
    long joinedAt = number(first.out(), "index");
    ManualInterrupts interrupts = new ManualInterrupts();
    Running watch = start(interrupts, address(server), "group", "watch", "web", "--json");
    Await.until(
        WAIT,
        () -> watch.outSoFar().lines().count() == 1 && interrupts.listening(),
        () -> "the watch printed the members: " + watch.outSoFar() + watch.errSoFar());
    String members = watch.outSoFar().lines().findFirst().orElseThrow();
    assertTrue(
        members.startsWith(
            "{\"group\":\"web\",\"index\":" + joinedAt + ",\"members\":[{\"id\":\"w1\""),
        members);

    long w2 =
        number(
            spindle("group", "join", "web", "w2", "--address", "10.0.0.2:80", "--json").out(),
            "index");
    long left = number(spindle("group", "leave", "web", "w1", "--json").out(), "index");
    Await.until(
        WAIT,
        () -> watch.outSoFar().lines().count() == 3,
        () -> "the watch printed both changes: " + watch.outSoFar() + watch.errSoFar());
    List<String> lines = watch.outSoFar().lines().toList();
    assertEquals(
        "{\"index\":" + w2 + ",\"kind\":\"joined\",\"member\":\"w2\",\"address\":\"10.0.0.2:80\"}",
        lines.get(1));
    assertEquals(
        "{\"index\":" + left + ",\"kind\":\"left\",\"member\":\"w1\",\"address\":\"10.0.0.1:80\"}",
        lines.get(2));

    interrupts.interrupt();
    Run r = end(watch);
    assertEquals(0, r.exit(), r.err());

    Run since =
        startAndInterruptAfter(2, "group", "watch", "web", "--after", Long.toString(joinedAt));
    List<String> human = since.out().lines().toList();
    assertEquals("group web at index " + left + ": 1 member", human.get(0));
    assertTrue(
        human.get(human.size() - 2).matches(w2 + "  joined +w2  10\\.0\\.0\\.2:80"), since.out());
    assertTrue(
        human.get(human.size() - 1).matches(left + "  left +w1  10\\.0\\.0\\.1:80"), since.out());
  }

  /**
   * Runs a watch until it printed {@code changes} change lines after its table, then interrupts.
   */
  private Run startAndInterruptAfter(int changes, String... args) throws Exception {
    ManualInterrupts interrupts = new ManualInterrupts();
    Running w = start(interrupts, address(server), args);
    Await.until(
        WAIT,
        () -> w.outSoFar().lines().filter(l -> l.matches("\\d+  .*")).count() == changes,
        () -> "the watch printed " + changes + " changes: " + w.outSoFar() + w.errSoFar());
    interrupts.interrupt();
    Run r = end(w);
    assertEquals(0, r.exit(), r.err());
    return r;
  }

  @Test
  void aWatchFollowsTheGroupAcrossAQueueServersFailover() throws Exception {
    QueueServer other = startServer("b");
    node(other, "n1b");
    ManualInterrupts interrupts = new ManualInterrupts();
    Running watch =
        start(interrupts, address(server) + "," + address(other), "group", "watch", "web");
    Await.until(
        WAIT,
        () -> watch.outSoFar().startsWith("group web at index 0: no members"),
        () -> "the watch printed the empty group: " + watch.outSoFar() + watch.errSoFar());
    Await.until(
        WAIT,
        () -> server.status().getLeasesList().stream().anyMatch(l -> l.getKind().equals("group")),
        () -> "the watch waits at " + address(server));

    server.close(); // its queue server dies while the watch waits there

    Running join =
        start(
            new ManualInterrupts(),
            address(other),
            "group",
            "join",
            "web",
            "w1",
            "--address",
            "10.0.0.1:80");
    assertEquals(0, end(join).exit());
    Await.until(
        WAIT,
        () ->
            watch
                .outSoFar()
                .lines()
                .anyMatch(l -> l.matches("\\d+  joined +w1  10\\.0\\.0\\.1:80")),
        () ->
            "the watch saw the join through "
                + address(other)
                + ": "
                + watch.outSoFar()
                + watch.errSoFar());
    assertTrue(watch.errSoFar().contains("queue server " + address(server)), watch.errSoFar());
    interrupts.interrupt();
    assertEquals(0, end(watch).exit());
  }
}
