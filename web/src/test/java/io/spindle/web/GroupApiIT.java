package io.spindle.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spindle.testkit.Await;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.container.test.api.RunAsClient;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.arquillian.test.api.ArquillianResource;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.json.JSONArray;
import org.json.JSONObject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@code /api/groups} on the packaged WAR on a real Payara Micro with the node's own group
 * membership (a single-voter cluster): join (201 with Location, then 200), renew, leave (204, then
 * 404), the lists, the requests refused with a sentence (400, 413) or for a token without the right
 * (401, 403), and the watch: it answers with the change and its index once the group changes, and
 * with the group unchanged at its timeout. Each test uses groups of its own: the node's database
 * outlives a test.
 */
@ExtendWith(ArquillianExtension.class)
@RunAsClient
class GroupApiIT {
  private static final Duration READY_WITHIN = Duration.ofSeconds(60);
  // HTTP/1.1: with the default h2c upgrade Payara Micro drops some answers ("EOF reached").
  private final HttpClient http =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @ArquillianResource URL base;

  @Deployment(testable = false)
  static WebArchive war() {
    return ItDeployment.war();
  }

  @BeforeEach
  void awaitReady() {
    Await.poll(
        READY_WITHIN,
        Duration.ofMillis(200),
        () -> Optional.of(get("/health/ready")).filter(ready -> ready.statusCode() == 200),
        () -> "the node is ready (/health/ready answers 200)");
  }

  @Test
  void joinRenewAndLeaveAnswerWithTheirStatusCodesAndTheMember() throws Exception {
    HttpResponse<String> joined =
        send(
            "PUT",
            "api/groups/web/members/web-1",
            "{\"address\": \"10.0.0.7:8080\", \"meta\": {\"zone\": \"a\"}}");
    assertEquals(201, joined.statusCode(), joined.body());
    assertTrue(
        joined
            .headers()
            .firstValue("Location")
            .orElse("")
            .endsWith("/api/groups/web/members/web-1"),
        joined.headers().map().toString());
    JSONObject first = new JSONObject(joined.body());
    assertEquals("web-1", first.getString("id"));
    assertEquals("10.0.0.7:8080", first.getString("address"));
    assertEquals("a", first.getJSONObject("meta").getString("zone"));
    assertEquals("alive", first.getString("state"));
    assertEquals("none", first.getString("probe"));
    assertEquals(30, first.getLong("ttlSeconds"), "the default lease");
    assertTrue(first.getBoolean("created"));
    long joinIndex = first.getLong("joinIndex");
    assertTrue(first.getLong("index") >= joinIndex && joinIndex > 0, joined.body());
    Instant.parse(first.getString("joinedAt"));
    Instant.parse(first.getString("lastRenewed"));

    // As curl -d sends it: the body is JSON whatever the Content-Type says.
    HttpResponse<String> again =
        http.send(
            authorized(url("api/groups/web/members/web-1"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .PUT(
                    HttpRequest.BodyPublishers.ofString(
                        "{\"address\": \"10.0.0.7:9090\", \"ttlSeconds\": 120, \"probe\":"
                            + " \"none\"}"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertEquals(200, again.statusCode(), again.body());
    JSONObject updated = new JSONObject(again.body());
    assertFalse(updated.getBoolean("created"));
    assertEquals("10.0.0.7:9090", updated.getString("address"));
    assertEquals(120, updated.getLong("ttlSeconds"));
    assertEquals(joinIndex, updated.getLong("joinIndex"), "the same membership, updated");
    assertTrue(updated.getLong("index") > first.getLong("index"), again.body());

    HttpResponse<String> renewed = send("POST", "api/groups/web/members/web-1/renew", null);
    assertEquals(200, renewed.statusCode(), renewed.body());
    assertEquals("web-1", new JSONObject(renewed.body()).getString("id"));
    assertFalse(new JSONObject(renewed.body()).has("created"), "renew answers the member view");

    JSONObject web = group("web", false);
    assertEquals("web", web.getString("group"));
    assertEquals(1, web.getJSONArray("members").length(), web.toString());
    JSONObject member = web.getJSONArray("members").getJSONObject(0);
    for (String field :
        new String[] {
          "id",
          "address",
          "meta",
          "joinedAt",
          "lastRenewed",
          "state",
          "ttlSeconds",
          "probe",
          "joinIndex"
        }) {
      assertTrue(member.has(field), field + " in " + member);
    }
    assertEquals(0, web.getJSONArray("changes").length(), "a plain read lists no changes");
    assertFalse(web.getBoolean("reset"));
    assertEquals(1, group("web", true).getJSONArray("members").length(), "the stale view too");

    JSONObject listed = summary("web");
    assertEquals(1, listed.getInt("members"));
    assertEquals(web.getLong("index"), listed.getLong("index"));

    assertEquals(204, send("DELETE", "api/groups/web/members/web-1", null).statusCode());
    assertError(send("DELETE", "api/groups/web/members/web-1", null), 404, "web-1");
    assertError(send("POST", "api/groups/web/members/web-1/renew", null), 404, "web-1");
    assertEquals(0, group("web", false).getJSONArray("members").length());
    assertEquals(null, summary("web"), "a group without members is not listed");
  }

  @Test
  void manyMembersAreRenewedInOneRequestEachAnsweredOnItsOwn() throws Exception {
    assertEquals(
        201, send("PUT", "api/groups/bulk/members/b1", "{\"address\": \"h:1\"}").statusCode());
    assertEquals(
        201, send("PUT", "api/groups/bulk-2/members/b2", "{\"address\": \"h:2\"}").statusCode());

    HttpResponse<String> renewed =
        send(
            "POST",
            "api/renewals",
            "{\"members\": [{\"group\": \"bulk\", \"id\": \"b1\"},"
                + " {\"group\": \"bulk\", \"id\": \"gone\"},"
                + " {\"group\": \"bulk-2\", \"id\": \"b2\"}]}");
    assertEquals(200, renewed.statusCode(), renewed.body());
    JSONArray results = new JSONObject(renewed.body()).getJSONArray("results");
    assertEquals(3, results.length(), renewed.body());
    JSONObject first = results.getJSONObject(0);
    assertEquals("bulk", first.getString("group"));
    assertEquals("b1", first.getString("id"));
    assertEquals(200, first.getInt("status"));
    assertEquals("h:1", first.getJSONObject("member").getString("address"));
    assertFalse(first.has("error"), first.toString());
    JSONObject missing = results.getJSONObject(1);
    assertEquals(404, missing.getInt("status"));
    assertTrue(missing.getString("error").contains("'gone' is not a member"), missing.toString());
    assertFalse(missing.has("member"), missing.toString());
    assertEquals("b2", results.getJSONObject(2).getJSONObject("member").getString("id"));

    assertError(send("POST", "api/renewals", "{\"members\": []}"), 400, "not 0");
    assertError(
        send("POST", "api/renewals", "{\"members\": [{\"group\": \"bulk\", \"id\": \"..\"}]}"),
        400,
        "members[0]: ");
    assertError(send("POST", "api/renewals", "x".repeat((1 << 20) + 1)), 413, "at most");
  }

  @Test
  void badRequestsAreRefusedWithASentenceAndChangeNothing() throws Exception {
    String url = "api/groups/strict/members/m1";
    assertError(send("PUT", url, "{\"address\": "), 400, "not valid JSON");
    assertError(send("PUT", url, "[1, 2]"), 400, "not an object");
    assertError(send("PUT", url, ""), 400, "needs a JSON body");
    assertError(
        send("PUT", url, "{\"address\": \"h:1\", \"ttl\": 5}"), 400, "no field \\\"ttl\\\"");
    assertError(
        send("PUT", url, "{\"address\": \"h:1\", \"ttlSeconds\": \"5\"}"),
        400,
        "ttlSeconds is a whole number");
    assertError(send("PUT", url, "{\"address\": \"h:1\", \"ttlSeconds\": 2.5}"), 400, "not 2.5");
    assertError(send("PUT", url, "{\"address\": \"h:1\", \"ttlSeconds\": 0}"), 400, "1 to 3600");
    assertError(
        send("PUT", url, "{\"address\": \"h:1\", \"meta\": {\"n\": 1}}"),
        400,
        "meta's values are strings");
    assertError(send("PUT", url, "{\"address\": \"h:1\", \"probe\": \"udp\"}"), 400, "\\\"udp\\\"");
    assertError(
        send("PUT", url, "{\"address\": \"no port\", \"probe\": \"tcp\"}"), 400, "host:port");
    assertError(send("PUT", url, "{\"ttlSeconds\": 5}"), 400, "needs an address");
    assertError(send("PUT", url, "{\"address\": 7}"), 400, "address is a string");
    assertError(send("PUT", "api/groups/strict/members/a%01b", "{}"), 400, "member id");
    String big = "{\"address\": \"h:1\", \"meta\": {\"k\": \"" + "x".repeat(70_000) + "\"}}";
    assertError(send("PUT", url, big), 413, "at most 65536 bytes");
    assertEquals(null, summary("strict"), "nothing joined");

    assertError(get("api/groups/strict?wait=true&after=abc"), 400, "not 'abc'");
    assertError(get("api/groups/strict?wait=true&after=-1"), 400, "not '-1'");
    assertError(get("api/groups/strict?wait=true"), 400, "needs after=INDEX");
    assertError(
        get("api/groups/strict?wait=true&after=0&timeoutSeconds=61"), 400, "1 to 60 seconds");
    assertError(get("api/groups/strict?after=0"), 400, "add wait=true");
  }

  @Test
  void aWatchAnswersWithTheChangeAndItsIndexOnceTheGroupChanges() throws Exception {
    JSONObject before = group("watched", false);
    long index = before.getLong("index");
    CompletableFuture<HttpResponse<String>> watch =
        http.sendAsync(
            authorized(url("api/groups/watched?wait=true&after=" + index + "&timeoutSeconds=30"))
                .GET()
                .build(),
            HttpResponse.BodyHandlers.ofString());
    long started = System.nanoTime();

    HttpResponse<String> joined =
        send("PUT", "api/groups/watched/members/w1", "{\"address\": \"10.0.0.9:7000\"}");
    assertEquals(201, joined.statusCode(), joined.body());
    long joinIndex = new JSONObject(joined.body()).getLong("index");

    HttpResponse<String> answer = watch.get(20, TimeUnit.SECONDS);
    assertTrue(
        System.nanoTime() - started < TimeUnit.SECONDS.toNanos(20),
        "the watch answered on the change, not at its timeout");
    assertEquals(200, answer.statusCode(), answer.body());
    JSONObject view = new JSONObject(answer.body());
    assertEquals(joinIndex, view.getLong("index"), answer.body());
    JSONArray changes = view.getJSONArray("changes");
    assertEquals(1, changes.length(), answer.body());
    JSONObject change = changes.getJSONObject(0);
    assertEquals(joinIndex, change.getLong("index"));
    assertEquals("joined", change.getString("kind"));
    assertEquals("w1", change.getString("member"));
    assertEquals("10.0.0.9:7000", change.getString("address"));
    assertEquals(1, view.getJSONArray("members").length());

    // A watcher behind is answered at once with every change since its index.
    assertEquals(204, send("DELETE", "api/groups/watched/members/w1", null).statusCode());
    HttpResponse<String> behind = get("api/groups/watched?wait=true&after=" + index);
    assertEquals(200, behind.statusCode(), behind.body());
    JSONArray both = new JSONObject(behind.body()).getJSONArray("changes");
    assertEquals(2, both.length(), behind.body());
    assertEquals("left", both.getJSONObject(1).getString("kind"));
  }

  @Test
  void aWatchThatTimesOutAnswersTheGroupUnchanged() throws Exception {
    send("PUT", "api/groups/quiet/members/q1", "{\"address\": \"10.0.0.10:7000\"}");
    long index = group("quiet", false).getLong("index");
    long started = System.nanoTime();
    HttpResponse<String> answer =
        get("api/groups/quiet?wait=true&after=" + index + "&timeoutSeconds=2");
    long waitedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
    assertEquals(200, answer.statusCode(), answer.body());
    JSONObject view = new JSONObject(answer.body());
    assertEquals(index, view.getLong("index"), "unchanged");
    assertEquals(0, view.getJSONArray("changes").length());
    assertEquals(1, view.getJSONArray("members").length());
    assertTrue(waitedMillis >= 1500 && waitedMillis < 15_000, "waited " + waitedMillis + " ms");
    send("DELETE", "api/groups/quiet/members/q1", null);
  }

  @Test
  void readsNeedTheReadRightAndChangesTheWriteRight() throws Exception {
    String reader = "Bearer " + ItTokens.READ_TOKEN;
    HttpResponse<String> none =
        http.send(
            HttpRequest.newBuilder(url("api/groups")).GET().build(),
            HttpResponse.BodyHandlers.ofString());
    assertError(none, 401, "needs a client token");
    HttpResponse<String> read =
        http.send(
            HttpRequest.newBuilder(url("api/groups")).header("Authorization", reader).GET().build(),
            HttpResponse.BodyHandlers.ofString());
    assertEquals(200, read.statusCode(), read.body());
    for (String method : new String[] {"PUT", "DELETE"}) {
      HttpResponse<String> refused =
          http.send(
              HttpRequest.newBuilder(url("api/groups/rights/members/r1"))
                  .header("Authorization", reader)
                  .method(
                      method,
                      method.equals("PUT")
                          ? HttpRequest.BodyPublishers.ofString("{\"address\": \"h:1\"}")
                          : HttpRequest.BodyPublishers.noBody())
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertError(refused, 403, "does not allow writes");
    }
    HttpResponse<String> renew =
        http.send(
            HttpRequest.newBuilder(url("api/groups/rights/members/r1/renew"))
                .header("Authorization", reader)
                .POST(HttpRequest.BodyPublishers.noBody())
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertError(renew, 403, "does not allow writes");
    assertEquals(null, summary("rights"), "nothing joined");
  }

  private JSONObject group(String name, boolean stale) throws Exception {
    HttpResponse<String> answer = get("api/groups/" + name + (stale ? "?stale=true" : ""));
    assertEquals(200, answer.statusCode(), answer.body());
    return new JSONObject(answer.body());
  }

  /** The group's row in GET /api/groups, or null. */
  private JSONObject summary(String name) throws Exception {
    HttpResponse<String> answer = get("api/groups");
    assertEquals(200, answer.statusCode(), answer.body());
    JSONArray groups = new JSONArray(answer.body());
    for (int i = 0; i < groups.length(); i++) {
      if (groups.getJSONObject(i).getString("group").equals(name)) {
        return groups.getJSONObject(i);
      }
    }
    return null;
  }

  private static void assertError(HttpResponse<String> response, int status, String says) {
    assertEquals(status, response.statusCode(), response.body());
    assertTrue(response.body().startsWith("{\"error\":\""), response.body());
    assertTrue(response.body().contains(says), says + " in " + response.body());
  }

  private HttpResponse<String> send(String method, String path, String json) throws Exception {
    HttpRequest.Builder request = authorized(url(path));
    if (json == null) {
      request.method(method, HttpRequest.BodyPublishers.noBody());
    } else {
      request
          .header("Content-Type", "application/json")
          .method(method, HttpRequest.BodyPublishers.ofString(json, StandardCharsets.UTF_8));
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
  }

  private HttpResponse<String> get(String path) throws Exception {
    return http.send(
        authorized(url(path)).GET().build(),
        HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
  }

  private static HttpRequest.Builder authorized(URI uri) {
    return HttpRequest.newBuilder(uri).header("Authorization", ItTokens.BEARER);
  }

  /** Paths starting with '/' are on the server's root (health), others in the app. */
  private URI url(String path) {
    return ItDeployment.appBase(base).resolve(path);
  }
}
