package io.spindle.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spindle.testkit.Await;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The {@code spindle group} client as processes against a queue server and three Payara Micro
 * nodes: join, show (from the shared queue), renew, a watch that sees a join and a leave with their
 * indexes, leave, ls, the exit statuses of a non-member's renewal and of a bad name, and {@code
 * join --keep} that leaves the group when it gets SIGTERM.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GroupSystemTest {
  private static final Duration STARTUP = Duration.ofSeconds(300);
  private static final Duration WAIT = Duration.ofSeconds(30);

  private final HttpClient http = SystemTls.httpClient();
  private final String secret = "group-system-test-" + System.nanoTime() + "-0123456789";
  private final List<PayaraNode> nodes = new ArrayList<>();
  private JavaProcess queueServer;
  private Cli cli;
  private Path root;

  @BeforeAll
  void startCluster() throws Exception {
    root = Path.of(System.getProperty("spindle.system.dir"), "groups-" + System.nanoTime());
    Files.createDirectories(root);
    int queuePort = Ports.tcp();
    cli = new Cli(queuePort, root);
    queueServer =
        JavaProcess.queueServer(
            queuePort, root, secret, root.resolve("queue-server.log"), "--discovery", "off");
    for (int i = 1; i <= 3; i++) {
      nodes.add(new PayaraNode("g" + i, root));
    }
    String peers = nodes.stream().map(PayaraNode::peerEntry).collect(Collectors.joining(","));
    for (PayaraNode node : nodes) {
      node.start(
          peers, secret, java.util.Map.of("SPINDLE_QUEUE_SERVERS", "127.0.0.1:" + queuePort));
    }
    for (PayaraNode node : nodes) {
      node.awaitReady(http, STARTUP);
    }
    try (StatusProbe probe = new StatusProbe(queuePort)) {
      probe.await(
          "every node reports to the queue server, and one leads",
          s ->
              s.getNodesList().stream().filter(n -> n.getConnected()).count() == 3
                  && !s.getLeaderId().isEmpty());
    }
  }

  @AfterAll
  void stopCluster() throws Exception {
    for (PayaraNode node : nodes) {
      node.close();
    }
    if (queueServer != null) {
      queueServer.kill();
    }
  }

  @Test
  void theGroupCommandsAgainstAThreeNodeCluster() throws Exception {
    String joined =
        Cli.ok(
            cli.run(
                "group",
                "join",
                "web",
                "w1",
                "--address",
                "10.0.0.1:80",
                "--meta",
                "zone=b",
                "--json"));
    assertTrue(joined.contains("\"id\":\"w1\"") && joined.contains("\"created\":true"), joined);
    assertTrue(joined.contains("\"meta\":{\"zone\":\"b\"}"), joined);

    String shown = Cli.ok(cli.run("group", "show", "web", "--json"));
    assertTrue(shown.contains("\"group\":\"web\""), shown);
    assertTrue(shown.contains("\"address\":\"10.0.0.1:80\""), shown);
    assertTrue(
        Cli.ok(cli.run("group", "show", "web"))
            .lines()
            .anyMatch(l -> l.matches("w1 +10\\.0\\.0\\.1:80 +alive .*")),
        "the table lists w1");
    Cli.ok(cli.run("group", "renew", "web", "w1"));

    JavaProcess watch = cli.start("group", "watch", "web", "--json");
    Await.until(
        WAIT,
        () -> output(watch).contains("\"members\":[{\"id\":\"w1\""),
        () -> "the watch printed the members: " + output(watch));
    long w2Joined =
        index(Cli.ok(cli.run("group", "join", "web", "w2", "--address", "10.0.0.2:80", "--json")));
    long w2Left = index(Cli.ok(cli.run("group", "leave", "web", "w2", "--json")));
    assertTrue(w2Left > w2Joined);
    String joinLine =
        "{\"index\":"
            + w2Joined
            + ",\"kind\":\"joined\",\"member\":\"w2\",\"address\":\"10.0.0.2:80\"}";
    String leaveLine =
        "{\"index\":"
            + w2Left
            + ",\"kind\":\"left\",\"member\":\"w2\",\"address\":\"10.0.0.2:80\"}";
    Await.until(
        WAIT,
        () ->
            output(watch).lines().filter(l -> l.equals(joinLine) || l.equals(leaveLine)).count()
                == 2,
        () -> "the watch printed the join and the leave: " + output(watch));
    watch.terminate();
    assertEquals(0, watch.await(30), "a watch ends with 0 on SIGTERM: " + output(watch));

    String listed = Cli.ok(cli.run("group", "ls", "--json"));
    assertTrue(listed.contains("{\"group\":\"web\",\"members\":1,"), listed);

    Cli.Run notMember = cli.run("group", "renew", "web", "nobody");
    assertEquals(3, notMember.exit(), notMember.output());
    assertTrue(notMember.output().contains("[NOT_FOUND]"), notMember.output());
    Cli.Run badName = cli.run("group", "join", "a/b", "w1", "--address", "10.0.0.1:80");
    assertEquals(2, badName.exit(), badName.output());
    assertTrue(badName.output().contains("must not contain '/'"), badName.output());

    JavaProcess keeper =
        cli.start(
            "group", "join", "web", "keeper", "--address", "10.0.0.9:80", "--ttl", "2", "--keep");
    Await.until(
        WAIT,
        () -> output(keeper).contains("joined: keeper in web"),
        () -> "the keeper joined: " + output(keeper));
    // Past its 2 s lease, it is still there: it renews.
    String firstRenewal = lastRenewed(Cli.ok(cli.run("group", "show", "web", "--json")), "keeper");
    Await.until(
        WAIT,
        () -> {
          String show = showJson();
          return show.contains("\"id\":\"keeper\"")
              && !lastRenewed(show, "keeper").equals(firstRenewal);
        },
        () -> "the keeper renewed: " + output(keeper));
    keeper.terminate();
    assertEquals(0, keeper.await(30), "join --keep ends with 0 on SIGTERM: " + output(keeper));
    assertTrue(output(keeper).contains("keeper left web"), output(keeper));
    assertFalse(Cli.ok(cli.run("group", "show", "web", "--json")).contains("\"id\":\"keeper\""));

    Cli.ok(cli.run("group", "leave", "web", "w1"));
    assertEquals("[]", Cli.ok(cli.run("group", "ls", "--json")).strip());
  }

  /** {@code group show web --json}, for a condition (which may not throw checked exceptions). */
  private String showJson() {
    try {
      return Cli.ok(cli.run("group", "show", "web", "--json"));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static String output(JavaProcess p) {
    try {
      return p.output();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static long index(String json) {
    Matcher m = Pattern.compile("\"index\":(\\d+)\\}").matcher(json);
    assertTrue(m.find(), json);
    return Long.parseLong(m.group(1));
  }

  private static String lastRenewed(String groupJson, String id) {
    Matcher m =
        Pattern.compile("\\{\"id\":\"" + id + "\",[^{}]*\"lastRenewed\":\"([^\"]+)\"")
            .matcher(groupJson.replaceAll("\"meta\":\\{[^}]*\\}", "\"meta\":0"));
    assertTrue(m.find(), groupJson);
    return m.group(1);
  }
}
