package io.spindle.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spindle.testkit.GnuWc;
import io.spindle.testkit.PrometheusText;
import io.spindle.testkit.PrometheusText.Family;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.container.test.api.RunAsClient;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.arquillian.test.api.ArquillianResource;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The packaged WAR on a real Payara Micro: the node starts as a single-voter cluster on embedded H2
 * in a fresh data directory, Flyway migrates the schema, the node leads, turns ready, and a file
 * put through REST reads back. One deployment for the whole class (~20 s).
 */
@ExtendWith(ArquillianExtension.class)
@RunAsClient
class NodeDeploymentIT {
  private static final Duration READY_WITHIN = Duration.ofSeconds(30);
  // HTTP/1.1: with the default h2c upgrade Payara Micro drops some answers ("EOF reached").
  private final HttpClient http =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @ArquillianResource URL base;

  @Deployment(testable = false)
  static WebArchive war() {
    return ItDeployment.war();
  }

  @Test
  void singleNodeLeadsMigratesAndStoresFiles() throws Exception {
    HttpResponse<String> ready = awaitReady();
    assertEquals(200, ready.statusCode(), ready.body());
    assertTrue(ready.body().contains("\"status\":\"UP\""), ready.body());
    assertTrue(
        ready.body().matches("(?s).*\"schemaVersion\":\"[0-9.]+\".*"),
        "Flyway left no schema version: " + ready.body());

    HttpResponse<String> cluster = get("api/cluster");
    assertEquals(200, cluster.statusCode(), cluster.body());
    String json = cluster.body().replace(" ", "");
    assertTrue(json.contains("\"nodeId\":\"it1\""), json);
    assertTrue(json.contains("\"role\":\"LEADER\""), json);
    assertTrue(json.contains("\"leaderId\":\"it1\""), json);
    assertTrue(json.contains("\"voter\":true"), json);
    assertTrue(json.contains("\"httpUrl\":\"http://127.0.0.1:3000\""), json);
    // No queue server is configured or discovered here: none is listed, and none is connected.
    assertTrue(json.contains("\"queueConnected\":null"), json);
    assertTrue(json.contains("\"queueServers\":[]"), json);

    String content = "hello, spindle\n".repeat(1000);
    HttpResponse<String> put =
        http.send(
            authorized(url("api/files/docs/hello.txt"))
                .PUT(HttpRequest.BodyPublishers.ofString(content))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertEquals(201, put.statusCode(), put.body());
    assertTrue(put.body().contains("\"size\":" + content.length()), put.body());

    HttpResponse<String> read = get("api/files/docs/hello.txt");
    assertEquals(200, read.statusCode());
    assertEquals(content, read.body());
    HttpResponse<String> stale = get("api/files/docs/hello.txt?stale=true");
    assertEquals(content, stale.body());

    HttpResponse<String> firstChunk = get("api/files/docs/hello.txt?chunk=0");
    assertEquals(200, firstChunk.statusCode(), firstChunk.body());
    assertEquals(content, firstChunk.body(), "a file under 1 MiB is one chunk");
    assertEquals(404, get("api/files/docs/hello.txt?chunk=1").statusCode());
    HttpResponse<String> changed = get("api/files/docs/hello.txt?chunk=0&sha256=" + "0".repeat(64));
    assertEquals(409, changed.statusCode(), changed.body());
    HttpResponse<String> run = get("api/files/docs/hello.txt?chunk=0&chunks=1");
    assertEquals(200, run.statusCode(), run.body());
    assertEquals(content, run.body(), "a run of the one chunk");
    assertEquals(404, get("api/files/docs/hello.txt?chunk=0&chunks=2").statusCode());
    assertEquals(
        409,
        get("api/files/docs/hello.txt?chunk=0&chunks=1&sha256=" + "0".repeat(64)).statusCode());
    HttpResponse<String> noFirst = get("api/files/docs/hello.txt?chunks=1");
    assertEquals(400, noFirst.statusCode(), noFirst.body());
    assertTrue(noFirst.body().contains("needs chunk=N"), noFirst.body());
    HttpResponse<String> badCount = get("api/files/docs/hello.txt?chunk=0&chunks=zero");
    assertEquals(400, badCount.statusCode(), badCount.body());
    assertTrue(badCount.body().contains("positive number"), badCount.body());

    HttpResponse<String> list = get("api/files");
    assertTrue(list.body().contains("\"name\":\"docs/hello.txt\""), list.body());

    HttpResponse<String> missing = get("api/files/docs/nothing.txt");
    assertEquals(404, missing.statusCode());
    assertTrue(missing.body().contains("\"error\""), missing.body());

    HttpResponse<String> bad = get("api/files/a%01b");
    assertEquals(400, bad.statusCode(), bad.body());
    assertTrue(bad.body().contains("\"error\""), bad.body());

    HttpResponse<String> deleted =
        http.send(
            authorized(url("api/files/docs/hello.txt")).DELETE().build(),
            HttpResponse.BodyHandlers.ofString());
    assertEquals(204, deleted.statusCode(), deleted.body());
    assertEquals(404, get("api/files/docs/hello.txt").statusCode());

    assertNodeMetricsParse();
  }

  // GET /metrics (no token) as Prometheus scrapes it, checked by Prometheus's own parsers: promtool
  // (which also lints the names) and the Python client's Prometheus and OpenMetrics parsers.
  private void assertNodeMetricsParse() throws Exception {
    HttpResponse<String> scrape =
        http.send(
            HttpRequest.newBuilder(url("metrics")).GET().build(),
            HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    assertEquals(200, scrape.statusCode(), scrape.body());
    PrometheusText.lint(scrape.body());
    Map<String, Family> families = PrometheusText.parse(scrape.body());
    for (String gauge :
        List.of(
            "spindle_raft_term",
            "spindle_raft_commit_index",
            "spindle_raft_applied_index",
            "spindle_apply_lag_entries",
            "spindle_node_ready")) {
      assertEquals("gauge", families.get(gauge).type(), gauge + " in " + families.keySet());
    }
    assertTrue(families.get("spindle_raft_term").samples().get(0).value() >= 1, scrape.body());
    assertTrue(
        families.get("spindle_raft_commit_index").samples().get(0).value() >= 1, scrape.body());
    assertEquals(
        1.0,
        families
            .get("spindle_raft_role")
            .samples("spindle_raft_role", Map.of("role", "leader"))
            .get(0)
            .value());
    assertEquals("counter", families.get("spindle_raft_proposals").type());
    assertEquals(
        "spindle_raft_proposals_total",
        families.get("spindle_raft_proposals").samples().get(0).name());
    assertEquals(
        "counter",
        families.get("spindle_raft_dropped_messages").type(),
        "dropped Raft messages are counted: " + families.keySet());
    Family fsync = families.get("spindle_fsync_seconds");
    assertEquals("histogram", fsync.type(), families.keySet().toString());
    List<PrometheusText.Sample> inf =
        fsync.samples("spindle_fsync_seconds_bucket", Map.of("le", "+Inf"));
    double count = fsync.samples("spindle_fsync_seconds_count", Map.of()).get(0).value();
    assertEquals(count, inf.get(0).value(), "+Inf bucket = count");
    assertTrue(count >= 2, "the file written above was fsync'd: " + fsync);
    assertTrue(fsync.samples("spindle_fsync_seconds_sum", Map.of()).get(0).value() > 0);
    assertTrue(
        fsync.samples().stream().filter(s -> s.name().endsWith("_bucket")).count() > 5,
        fsync.toString());

    HttpResponse<String> openMetrics =
        http.send(
            HttpRequest.newBuilder(url("metrics"))
                .header("Accept", "application/openmetrics-text; version=1.0.0")
                .GET()
                .build(),
            HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    assertTrue(
        openMetrics
            .headers()
            .firstValue("Content-Type")
            .orElse("")
            .startsWith("application/openmetrics-text"),
        openMetrics.headers().toString());
    assertEquals(
        "histogram",
        PrometheusText.parseOpenMetrics(openMetrics.body()).get("spindle_fsync_seconds").type());

    // Payara's own MicroProfile Metrics is off (arquillian.xml's pre-boot commands, as
    // bin/spindle).
    HttpResponse<String> payaraMetrics = get("/metrics/base");
    assertEquals(403, payaraMetrics.statusCode(), payaraMetrics.body());
    assertTrue(payaraMetrics.body().contains("disabled"), payaraMetrics.body());
  }

  // The deployment caps files at 1 MiB (spindle.files.max-bytes): an upload over it is refused
  // with 413 whether it announces its length or streams without one, and leaves nothing behind.
  @Test
  void uploadsOverTheSizeLimitAreRefusedWithOrWithoutALength() throws Exception {
    assertEquals(200, awaitReady().statusCode());
    byte[] tooLarge = new byte[(1 << 20) + 1];

    HttpResponse<String> announced =
        http.send(
            authorized(url("api/files/big/announced.bin"))
                .PUT(HttpRequest.BodyPublishers.ofByteArray(tooLarge))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertEquals(413, announced.statusCode(), announced.body());
    assertTrue(announced.body().contains("\"error\""), announced.body());

    HttpResponse<String> chunked =
        http.send(
            authorized(url("api/files/big/chunked.bin"))
                .PUT(
                    HttpRequest.BodyPublishers.ofInputStream(
                        () -> new java.io.ByteArrayInputStream(tooLarge)))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertEquals(413, chunked.statusCode(), chunked.body());
    assertTrue(chunked.body().contains("1048576"), chunked.body());

    assertEquals(404, get("api/files/big/announced.bin").statusCode());
    assertEquals(404, get("api/files/big/chunked.bin").statusCode());
    byte[] justFits = new byte[1 << 20];
    HttpResponse<String> fits =
        http.send(
            authorized(url("api/files/big/fits.bin"))
                .PUT(
                    HttpRequest.BodyPublishers.ofInputStream(
                        () -> new java.io.ByteArrayInputStream(justFits)))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertEquals(201, fits.statusCode(), fits.body());
  }

  // The deployment cuts counts into 64 KiB ranges (spindle.count.range-bytes): a 200 KB file is
  // counted in four ranges and merged, and must count as GNU wc counts it, in both locales.
  @Test
  void countsAFileAsWcInBothLocalesAndAnswersBadRequestsWithJson() throws Exception {
    assertEquals(200, awaitReady().statusCode());
    StringBuilder text = new StringBuilder();
    String[] words = {
      "Spindle", "spindle", "caf\u00e9", "CAF\u00c9", "\u4e2d\u6587", "\ud83d\ude00", "raft"
    };
    String[] gaps = {" ", "\n", "\u00a0", "\t", "\u3000"};
    for (int i = 0; text.length() < 200_000; i++) {
      text.append(words[(i * 7) % words.length]).append(gaps[(i * 3) % gaps.length]);
    }
    byte[] content = text.toString().getBytes(StandardCharsets.UTF_8);
    assertTrue(content.length > 3 * 65536, "the file spans several ranges");
    HttpResponse<String> put =
        http.send(
            authorized(url("api/files/count/mixed.txt"))
                .PUT(HttpRequest.BodyPublishers.ofByteArray(content))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertEquals(201, put.statusCode(), put.body());

    for (String locale : new String[] {"utf8", "c"}) {
      HttpResponse<String> count = get("api/count?name=count/mixed.txt&top=3&locale=" + locale);
      assertEquals(200, count.statusCode(), count.body());
      String json = count.body();
      long[] wc = GnuWc.count(content, locale.equals("c") ? "C" : "C.UTF-8");
      assertEquals(wc[0], number(json, "lines"), json);
      assertEquals(wc[1], number(json, "words"), json);
      assertEquals(wc[2], number(json, "chars"), json);
      assertEquals(wc[3], number(json, "bytes"), json);
      assertTrue(json.contains("\"name\":\"count/mixed.txt\""), json);
      assertTrue(json.contains("\"locale\":\"" + locale + "\""), json);
      assertTrue(json.contains("\"cached\":false"), json);
      assertEquals(
          (content.length + 65535) / 65536, json.split("\"node\":\"it1\"", -1).length - 1, json);
      assertTrue(
          json.matches("(?s).*\"top\":\\[\\{\"word\":\"[^\"]+\",\"count\":[0-9]+\\}.*"), json);
      HttpResponse<String> again = get("api/count?name=count/mixed.txt&top=3&locale=" + locale);
      assertTrue(again.body().contains("\"cached\":true"), again.body());
    }

    assertError(get("api/count?name=count/none.txt"), 404, "there is no file named");
    assertError(get("api/count?name=count/mixed.txt&locale=klingon"), 400, "c or utf8");
    assertError(get("api/count?name=count/mixed.txt&top=-1"), 400, "0 to 1000");
    assertError(get("api/count?name=count/mixed.txt&top=many"), 400, "0 to 1000");
    assertError(get("api/count"), 400, "which file");
  }

  // Issue 13: a PUT with an Idempotency-Key already used for another file was answered 201 with
  // that file's metadata and stored nothing; a key of 200 characters gave a 500 and a stack trace.
  @Test
  void anIdempotencyKeyNamesOneRequestAndAnOverlongOneIsABadRequest() throws Exception {
    assertEquals(200, awaitReady().statusCode());
    String key = "key-" + java.util.UUID.randomUUID();
    assertEquals(201, put("m1/a.txt", "a", key).statusCode());
    HttpResponse<String> retry = put("m1/a.txt", "a", key);
    assertEquals(201, retry.statusCode(), "a retry gets the first answer: " + retry.body());

    assertError(put("m1/b.txt", "a", key), 409, "was already used for another request");
    assertEquals(404, get("api/files/m1/b.txt").statusCode(), "b.txt was not stored");
    assertError(put("m1/a.txt", "other content", key), 409, "was already used");
    assertEquals("a", get("api/files/m1/a.txt").body(), "a.txt keeps its content");
    HttpResponse<String> delete =
        http.send(
            authorized(url("api/files/m1/a.txt")).header("Idempotency-Key", key).DELETE().build(),
            HttpResponse.BodyHandlers.ofString());
    assertError(delete, 409, "was already used");

    assertError(put("m1/c.txt", "c", "k".repeat(200)), 400, "1 to 128 printable");
    assertEquals(404, get("api/files/m1/c.txt").statusCode());
  }

  private HttpResponse<String> put(String name, String content, String key) throws Exception {
    return http.send(
        authorized(url("api/files/" + name))
            .header("Idempotency-Key", key)
            .PUT(HttpRequest.BodyPublishers.ofString(content))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  // Issue 13: anyone who could reach the web port could list, read, overwrite and delete every
  // file. The API and the page's data need a client token; health and readiness stay open; a
  // read-only token reads but neither writes nor deletes; the page signs in once and its session
  // writes only with the page's own header.
  @Test
  void theApiNeedsAClientTokenWithTheRightForTheRequest() throws Exception {
    assertEquals(200, awaitReady().statusCode());
    assertEquals(
        200,
        http.send(
                HttpRequest.newBuilder(url("/health/ready")).GET().build(),
                HttpResponse.BodyHandlers.ofString())
            .statusCode(),
        "readiness stays open");
    for (String path :
        new String[] {"api/files", "api/cluster", "page/cluster", "api/count?name=x"}) {
      HttpResponse<String> none =
          http.send(
              HttpRequest.newBuilder(url(path)).GET().build(),
              HttpResponse.BodyHandlers.ofString());
      assertError(none, 401, "needs a client token");
      assertTrue(none.headers().firstValue("WWW-Authenticate").orElse("").startsWith("Bearer"));
    }
    HttpResponse<String> wrong =
        http.send(
            HttpRequest.newBuilder(url("api/files"))
                .header("Authorization", "Bearer spt_not-a-token")
                .GET()
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertError(wrong, 401, "not one this cluster knows");

    String reader = "Bearer " + ItTokens.READ_TOKEN;
    assertEquals(
        200,
        http.send(
                HttpRequest.newBuilder(url("api/files"))
                    .header("Authorization", reader)
                    .GET()
                    .build(),
                HttpResponse.BodyHandlers.ofString())
            .statusCode());
    HttpResponse<String> readerPut =
        http.send(
            HttpRequest.newBuilder(url("api/files/auth/nope.txt"))
                .header("Authorization", reader)
                .PUT(HttpRequest.BodyPublishers.ofString("x"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertError(readerPut, 403, "does not allow writes and deletes");
    assertEquals(404, get("api/files/auth/nope.txt").statusCode(), "nothing stored");

    // The page: sign in once; the session reads, and writes only with the page's header.
    java.net.CookieManager cookies = new java.net.CookieManager();
    java.net.http.HttpClient browser =
        java.net.http.HttpClient.newBuilder().cookieHandler(cookies).build();
    HttpResponse<String> bad =
        browser.send(
            HttpRequest.newBuilder(url("page/session"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("token=spt_guess"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertError(bad, 401, "not a client token this cluster knows");
    HttpResponse<String> signIn =
        browser.send(
            HttpRequest.newBuilder(url("page/session"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("token=" + ItTokens.TOKEN))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertEquals(200, signIn.statusCode(), signIn.body());
    assertTrue(signIn.body().contains("\"name\":\"tester\""), signIn.body());
    String cookie = signIn.headers().firstValue("Set-Cookie").orElse("");
    assertTrue(
        cookie.contains("HttpOnly") && cookie.toLowerCase().contains("samesite=strict"), cookie);
    assertEquals(
        200,
        browser
            .send(
                HttpRequest.newBuilder(url("api/files")).GET().build(),
                HttpResponse.BodyHandlers.ofString())
            .statusCode(),
        "the session reads");
    HttpResponse<String> crossSite =
        browser.send(
            HttpRequest.newBuilder(url("api/files/auth/forged.txt"))
                .PUT(HttpRequest.BodyPublishers.ofString("x"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertError(crossSite, 403, "must come from the page itself");
    HttpResponse<String> fromPage =
        browser.send(
            HttpRequest.newBuilder(url("api/files/auth/page.txt"))
                .header("X-Spindle-Page", "1")
                .PUT(HttpRequest.BodyPublishers.ofString("from the page"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertEquals(201, fromPage.statusCode(), fromPage.body());
  }

  private static void assertError(HttpResponse<String> response, int status, String says) {
    assertEquals(status, response.statusCode(), response.body());
    assertTrue(response.body().startsWith("{\"error\":\""), response.body());
    assertTrue(response.body().contains(says), response.body());
  }

  private static long number(String json, String field) {
    java.util.regex.Matcher m =
        java.util.regex.Pattern.compile("\"" + field + "\":([0-9]+)").matcher(json);
    assertTrue(m.find(), field + " in " + json);
    return Long.parseLong(m.group(1));
  }

  private HttpResponse<String> awaitReady() throws Exception {
    Instant deadline = Instant.now().plus(READY_WITHIN);
    HttpResponse<String> response = get("/health/ready");
    while (response.statusCode() != 200 && Instant.now().isBefore(deadline)) {
      Thread.sleep(200);
      response = get("/health/ready");
    }
    return response;
  }

  private HttpResponse<String> get(String path) throws Exception {
    return http.send(
        authorized(url(path)).GET().build(),
        HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
  }

  /** A request with the ITs' read-write client token. */
  private static HttpRequest.Builder authorized(URI uri) {
    return HttpRequest.newBuilder(uri).header("Authorization", ItTokens.BEARER);
  }

  /** Paths starting with '/' are on the server's root (health, metrics), others in the app. */
  private URI url(String path) {
    return ItDeployment.appBase(base).resolve(path);
  }
}
