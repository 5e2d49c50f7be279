package io.spindle.queue.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.spindle.protocol.queue.NodeRole;
import io.spindle.protocol.queue.Request;
import io.spindle.protocol.queue.WriteBegin;
import io.spindle.queue.QueueServer;
import io.spindle.queue.testing.FakeCluster;
import io.spindle.queue.testing.TestClient;
import io.spindle.queue.testing.TestNode;
import io.spindle.queue.testing.TestServers;
import io.spindle.testkit.Await;
import io.spindle.testkit.ManualClock;
import io.spindle.testkit.PrometheusText;
import io.spindle.testkit.PrometheusText.Family;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The queue server's metrics port over real HTTP: a scrape parsed by Prometheus's own parsers
 * (promtool, which also lints the names, and the Python client's Prometheus and OpenMetrics
 * parsers) shows the jobs of each queue by state as a node holds and then finishes a write; bad
 * requests get clear errors; the port holds a bounded number of connections.
 */
class QueueServerMetricsTest {
  @TempDir Path spool;
  private final FakeCluster cluster = new FakeCluster();
  private final List<AutoCloseable> open = new ArrayList<>();
  private final HttpClient http =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();
  private QueueServer server;
  private URI metrics;

  @BeforeEach
  void start() throws Exception {
    cluster.addMember("n1", "http://127.0.0.1:3000");
    server = TestServers.start(TestServers.config(spool), new ManualClock());
    InetSocketAddress port =
        server.startMetrics(new InetSocketAddress("127.0.0.1", 0)).localAddress();
    metrics = URI.create("http://127.0.0.1:" + port.getPort() + "/metrics");
  }

  @AfterEach
  void stop() throws Exception {
    for (AutoCloseable c : open) {
      c.close();
    }
    if (server != null) {
      server.close();
    }
  }

  @Test
  void aScrapeShowsEachQueuesJobsByStateInTheFormatPrometheusParses() throws Exception {
    TestNode leader =
        TestNode.start(
            server.localAddress(), "n1", TestServers.SECRET, cluster, NodeRole.LEADER, 1);
    open.add(leader);
    leader.hold(true);
    TestClient client = TestClient.connect(server.localAddress());
    open.add(client);
    String rid = UUID.randomUUID().toString();
    client.send(inlineWrite(rid, "docs/a.txt", "hello\n".getBytes(StandardCharsets.UTF_8)));
    Await.until(() -> leader.held.size() == 1, () -> "the leader holds the write");

    HttpResponse<String> scrape = get(metrics, null);
    assertEquals(200, scrape.statusCode(), scrape.body());
    assertTrue(
        scrape
            .headers()
            .firstValue("Content-Type")
            .orElse("")
            .startsWith("text/plain; version=0.0.4"),
        scrape.headers().toString());
    PrometheusText.lint(scrape.body());
    Map<String, Family> families = PrometheusText.parse(scrape.body());

    Family jobs = families.get("spindle_queue_jobs");
    assertEquals("gauge", jobs.type(), families.keySet().toString());
    assertEquals(1, value(jobs, "spindle_queue_jobs", "queue", "leader", "state", "leased"));
    assertEquals(0, value(jobs, "spindle_queue_jobs", "queue", "leader", "state", "queued"));
    assertEquals(0, value(jobs, "spindle_queue_jobs", "queue", "shared", "state", "queued"));
    assertEquals(0, value(jobs, "spindle_queue_jobs", "queue", "shared", "state", "leased"));
    assertEquals(4, jobs.samples().size(), jobs.toString());
    assertEquals("counter", families.get("spindle_queue_jobs_finished").type());
    assertEquals("gauge", families.get("spindle_queue_capacity_jobs").type());
    assertEquals(1, single(families, "spindle_queue_nodes_connected"));
    assertTrue(single(families, "spindle_queue_connections") >= 2, "a node and a client");
    assertEquals("gauge", families.get("spindle_queue_spool_bytes").type());
    assertEquals(1, single(families, "spindle_queue_raft_term"));

    leader.completeHeld();
    client.next(rid);
    Await.until(
        () ->
            value(
                    PrometheusText.parse(scrapeBody()).get("spindle_queue_jobs_finished"),
                    "spindle_queue_jobs_finished_total",
                    "queue",
                    "leader",
                    "outcome",
                    "succeeded")
                == 1,
        () -> "the finished write is counted");

    HttpResponse<String> openMetrics =
        get(metrics, "application/openmetrics-text; version=1.0.0; charset=utf-8");
    assertTrue(
        openMetrics
            .headers()
            .firstValue("Content-Type")
            .orElse("")
            .startsWith("application/openmetrics-text"),
        openMetrics.headers().toString());
    Map<String, Family> strict = PrometheusText.parseOpenMetrics(openMetrics.body());
    assertEquals(
        0,
        value(
            strict.get("spindle_queue_jobs"),
            "spindle_queue_jobs",
            "queue",
            "leader",
            "state",
            "leased"));
    assertEquals("counter", strict.get("spindle_queue_jobs_finished").type());
  }

  @Test
  void badRequestsGetClearErrors() throws Exception {
    HttpResponse<String> post =
        http.send(
            HttpRequest.newBuilder(metrics).POST(HttpRequest.BodyPublishers.ofString("x")).build(),
            HttpResponse.BodyHandlers.ofString());
    assertEquals(405, post.statusCode());
    assertEquals("GET, HEAD", post.headers().firstValue("Allow").orElse(""));
    assertTrue(post.body().contains("use GET"), post.body());

    HttpResponse<String> other = get(metrics.resolve("/other"), null);
    assertEquals(404, other.statusCode());
    assertTrue(other.body().contains("GET /metrics"), other.body());

    String garbage = raw("\u0001\u0002 not http at all\r\n\r\n");
    assertTrue(garbage.startsWith("HTTP/1.1 400"), garbage);

    String longLine = raw("GET /metrics?" + "a".repeat(4096) + " HTTP/1.1\r\nHost: x\r\n\r\n");
    assertTrue(longLine.startsWith("HTTP/1.1 4"), longLine);

    assertEquals(200, get(metrics, null).statusCode(), "the port still answers");
  }

  @Test
  void holdsABoundedNumberOfConnections() throws Exception {
    List<Socket> sockets = new ArrayList<>();
    try {
      for (int i = 0; i < MetricsHttpInitializer.MAX_CONNECTIONS; i++) {
        sockets.add(new Socket(metrics.getHost(), metrics.getPort()));
      }
      Await.until(
          () -> {
            try (Socket extra = new Socket(metrics.getHost(), metrics.getPort())) {
              extra.setSoTimeout(5000);
              return extra.getInputStream().read() == -1;
            } catch (IOException e) {
              return true; // reset: refused just as well
            }
          },
          () -> "a connection past the limit is closed at once");
    } finally {
      for (Socket s : sockets) {
        s.close();
      }
    }
    Await.until(
        () -> {
          try {
            return get(metrics, null).statusCode() == 200;
          } catch (IOException e) {
            return false;
          }
        },
        () -> "scrapes work again once the connections are gone");
  }

  private HttpResponse<String> get(URI uri, String accept) throws IOException {
    HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10));
    if (accept != null) {
      b.header("Accept", accept);
    }
    try {
      return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(e);
    }
  }

  private String scrapeBody() {
    try {
      return get(metrics, null).body();
    } catch (IOException e) {
      throw new AssertionError("cannot scrape " + metrics + ": " + e, e);
    }
  }

  /** Sends {@code request} as bytes; the answer up to the server's close. */
  private String raw(String request) throws IOException {
    try (Socket s = new Socket(metrics.getHost(), metrics.getPort())) {
      s.setSoTimeout(5000);
      OutputStream out = s.getOutputStream();
      out.write(request.getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      InputStream in = s.getInputStream();
      return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
    }
  }

  private static double value(Family family, String sample, String... labels) {
    Map<String, String> wanted = new java.util.LinkedHashMap<>();
    for (int i = 0; i < labels.length; i += 2) {
      wanted.put(labels[i], labels[i + 1]);
    }
    List<PrometheusText.Sample> found = family.samples(sample, wanted);
    assertEquals(1, found.size(), sample + wanted + " in " + family);
    return found.get(0).value();
  }

  private static double single(Map<String, Family> families, String name) {
    Family f = families.get(name);
    assertEquals(1, f.samples().size(), name + ": " + f);
    return f.samples().get(0).value();
  }

  private static Request inlineWrite(String rid, String name, byte[] data) {
    return Request.newBuilder()
        .setRequestId(rid)
        .setWriteBegin(
            WriteBegin.newBuilder()
                .setName(name)
                .setSize(data.length)
                .setSha256(ByteString.copyFrom(FakeCluster.sha256(data)))
                .setInlineData(ByteString.copyFrom(data)))
        .build();
  }
}
