package io.spindle.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spindle.testkit.Await;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Group membership's REST API on three real Payara Micro nodes (embedded H2): every change made
 * through a follower (join, renew, leave) is passed on to the leader and its answer relayed, with
 * the follower's own {@code Location}; a 400 is answered by the follower itself; a 404 comes back
 * from the leader as its sentence; every node's linearizable read shows the member at once; and a
 * watch on one follower answers when a join through the other is applied.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GroupForwardingSystemTest {
  // A deadline, not a wait: three nodes deploying at once on a busy 2-core machine take minutes.
  private static final Duration STARTUP = Duration.ofSeconds(300);
  private static final Duration ELECTION = Duration.ofSeconds(30);
  private static final Pattern ROLE = Pattern.compile("\"role\":\"([A-Z]+)\"");
  private static final Pattern INDEX = Pattern.compile("\"index\":([0-9]+)");

  private final HttpClient http =
      HttpClient.newBuilder()
          // HTTP/1.1: the JDK client upgrades to h2c, and Payara Micro then drops some answers.
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();
  private final List<PayaraNode> nodes = new ArrayList<>();
  private final String secret = "system-test-secret-" + System.nanoTime() + "-0123456789";

  @BeforeAll
  void startCluster() throws Exception {
    Path root = Path.of(System.getProperty("spindle.system.dir"), "groups-" + System.nanoTime());
    for (int i = 1; i <= 3; i++) {
      nodes.add(new PayaraNode("g" + i, root));
    }
    String peers = nodes.stream().map(PayaraNode::peerEntry).collect(Collectors.joining(","));
    for (PayaraNode node : nodes) {
      node.start(peers, secret, Map.of());
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
  void followersPassGroupChangesToTheLeaderAndEveryNodeSeesThem() throws Exception {
    PayaraNode leader = awaitLeader();
    List<PayaraNode> followers = nodes.stream().filter(n -> n != leader).toList();
    PayaraNode one = followers.get(0);
    PayaraNode two = followers.get(1);

    long before = index(send(two, "GET", "/api/groups/svc", null));
    CompletableFuture<HttpResponse<String>> watch =
        http.sendAsync(
            SystemTokens.request(
                    two.url()
                        .resolve(
                            "/api/groups/svc?wait=true&after=" + before + "&timeoutSeconds=30"))
                .GET()
                .build(),
            HttpResponse.BodyHandlers.ofString());

    HttpResponse<String> joined =
        send(one, "PUT", "/api/groups/svc/members/m1", "{\"address\": \"10.2.0.1:80\"}");
    assertEquals(201, joined.statusCode(), joined.body());
    assertEquals(
        one.url().resolve("/api/groups/svc/members/m1").toString(),
        joined.headers().firstValue("Location").orElse(""),
        "the follower's own URL for the member");
    assertTrue(joined.body().contains("\"created\":true"), joined.body());
    long joinIndex = index(joined);

    HttpResponse<String> watched = watch.get(20, TimeUnit.SECONDS);
    assertEquals(200, watched.statusCode(), watched.body());
    assertEquals(joinIndex, index(watched), watched.body());
    assertTrue(watched.body().contains("\"kind\":\"joined\""), watched.body());

    for (PayaraNode node : nodes) {
      HttpResponse<String> read = send(node, "GET", "/api/groups/svc", null);
      assertEquals(200, read.statusCode(), node.id + ": " + read.body());
      assertTrue(read.body().contains("\"id\":\"m1\""), node.id + " reads it at once: " + read);
    }

    HttpResponse<String> again =
        send(two, "PUT", "/api/groups/svc/members/m1", "{\"address\": \"10.2.0.1:81\"}");
    assertEquals(200, again.statusCode(), again.body());
    assertTrue(again.body().contains("\"created\":false"), again.body());
    HttpResponse<String> renewed = send(one, "POST", "/api/groups/svc/members/m1/renew", null);
    assertEquals(200, renewed.statusCode(), renewed.body());
    assertTrue(renewed.body().contains("\"address\":\"10.2.0.1:81\""), renewed.body());

    // Renewals that reach a follower together go on to the leader in batches, each answered on its
    // own: the member's view, or 404 naming the one that is not a member.
    List<CompletableFuture<HttpResponse<String>>> many = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      String id = i % 4 == 0 ? "nobody-" + i : "m1";
      many.add(
          http.sendAsync(
              SystemTokens.request(one.url().resolve("/api/groups/svc/members/" + id + "/renew"))
                  .timeout(Duration.ofSeconds(60))
                  .POST(HttpRequest.BodyPublishers.noBody())
                  .build(),
              HttpResponse.BodyHandlers.ofString()));
    }
    for (int i = 0; i < many.size(); i++) {
      HttpResponse<String> r = many.get(i).get(60, TimeUnit.SECONDS);
      if (i % 4 == 0) {
        assertEquals(404, r.statusCode(), r.body());
        assertTrue(r.body().contains("'nobody-" + i + "' is not a member"), r.body());
      } else {
        assertEquals(200, r.statusCode(), r.body());
        assertTrue(r.body().contains("\"id\":\"m1\""), r.body());
      }
    }
    HttpResponse<String> bulk =
        send(
            two,
            "POST",
            "/api/renewals",
            "{\"members\": [{\"group\": \"svc\", \"id\": \"m1\"},"
                + " {\"group\": \"svc\", \"id\": \"zz\"}]}");
    assertEquals(200, bulk.statusCode(), bulk.body());
    assertTrue(
        bulk.body()
                .matches("\\{\"results\":\\[\\{\"group\":\"svc\",\"id\":\"m1\",\"status\":200,.*")
            && bulk.body().contains("{\"group\":\"svc\",\"id\":\"zz\",\"status\":404,\"error\""),
        bulk.body());

    HttpResponse<String> refused =
        send(one, "PUT", "/api/groups/svc/members/m2", "{\"address\": \"x\", \"ttl\": 5}");
    assertEquals(400, refused.statusCode(), refused.body());
    assertTrue(refused.body().contains("no field"), refused.body());

    assertEquals(204, send(two, "DELETE", "/api/groups/svc/members/m1", null).statusCode());
    HttpResponse<String> gone = send(one, "DELETE", "/api/groups/svc/members/m1", null);
    assertEquals(404, gone.statusCode(), gone.body());
    assertTrue(gone.body().startsWith("{\"error\":\""), gone.body());
    HttpResponse<String> notMember = send(two, "POST", "/api/groups/svc/members/m1/renew", null);
    assertEquals(404, notMember.statusCode(), notMember.body());
    for (PayaraNode node : nodes) {
      HttpResponse<String> read = send(node, "GET", "/api/groups/svc", null);
      assertTrue(read.body().contains("\"members\":[]"), node.id + ": " + read.body());
    }
  }

  private HttpResponse<String> send(PayaraNode node, String method, String path, String json)
      throws Exception {
    HttpRequest.Builder request =
        SystemTokens.request(node.url().resolve(path)).timeout(Duration.ofSeconds(60));
    if (json == null) {
      request.method(method, HttpRequest.BodyPublishers.noBody());
    } else {
      request
          .header("Content-Type", "application/json")
          .method(method, HttpRequest.BodyPublishers.ofString(json, StandardCharsets.UTF_8));
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  /**
   * The answer's top-level "index": a join's only one, or a group view's first (it comes before the
   * members and changes).
   */
  private static long index(HttpResponse<String> answer) {
    assertTrue(answer.statusCode() / 100 == 2, answer.statusCode() + " " + answer.body());
    Matcher m = INDEX.matcher(answer.body());
    assertTrue(m.find(), "an index in " + answer.body());
    return Long.parseLong(m.group(1));
  }

  private PayaraNode awaitLeader() {
    return Await.poll(
        ELECTION,
        Duration.ofMillis(200),
        () -> {
          for (PayaraNode node : nodes) {
            HttpResponse<String> cluster = send(node, "GET", "/api/cluster", null);
            Matcher role = ROLE.matcher(cluster.body());
            if (cluster.statusCode() == 200 && role.find() && role.group(1).equals("LEADER")) {
              return Optional.of(node);
            }
          }
          return Optional.empty();
        },
        () -> "a leader among " + nodes.stream().map(n -> n.id).toList());
  }
}
