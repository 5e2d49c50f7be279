package io.spindle.web.page;

import io.spindle.node.application.NodeFacade;
import io.spindle.web.api.ClusterView;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Inject;
import jakarta.json.bind.Jsonb;
import jakarta.json.bind.JsonbBuilder;
import jakarta.json.bind.JsonbException;
import jakarta.json.bind.annotation.JsonbNillable;
import jakarta.servlet.annotation.WebServlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * {@code GET /page/cluster}: the status panel's data. {@code /api/cluster} is one node's view; this
 * asks every other member for its own ({@code GET <httpUrl>/api/cluster}, all at once, at most
 * {@link #MEMBER_TIMEOUT} each) so that the panel shows each member's role, term, commit and
 * applied index and health, or why it did not answer, every queue server this node links to (in
 * {@code self.queueServers}), and the queues of the first connected one as this node last heard
 * them. Answers JSON (JSON-B):
 *
 * <pre>{"self": {ClusterView}, "members": [{"id", "voter", "httpUrl", "self", "status"
 * (a ClusterView or null), "error" (null or a sentence)}], "queue": null or {"server",
 * "queues": [{"name", "depth", "capacity", "leased"}], "givenUp": [{"requestId", "kind",
 * "attempts", "lastNodeId", "failedAtMs", "reason"}]}}</pre>
 */
@WebServlet(urlPatterns = "/page/cluster")
public class ClusterStatusServlet extends HttpServlet {
  private static final long serialVersionUID = 1L;
  private static final Logger LOG = Logger.getLogger(ClusterStatusServlet.class.getName());
  static final Duration MEMBER_TIMEOUT = Duration.ofMillis(1500);

  /** One member as the panel shows it. */
  @JsonbNillable
  public record MemberStatus(
      String id, boolean voter, String httpUrl, boolean self, ClusterView status, String error) {}

  /** A queue of the queue server: jobs waiting, its capacity, jobs leased to nodes. */
  public record QueueRow(String name, long depth, long capacity, long leased) {}

  /** A job the queue server gave up on (it failed on too many nodes, or went round too often). */
  public record GivenUp(
      String requestId,
      String kind,
      int attempts,
      String lastNodeId,
      long failedAtMs,
      String reason) {}

  /**
   * The first connected queue server this node takes work from, its queues and the jobs it gave up
   * on lately (at most a second old).
   */
  public record QueuePanel(String server, List<QueueRow> queues, List<GivenUp> givenUp) {}

  /** The panel's data; {@code queue} is null while this node has no queue server connection. */
  @JsonbNillable
  public record Panel(ClusterView self, List<MemberStatus> members, QueuePanel queue) {}

  @Inject transient NodeFacade node;

  private transient Jsonb json;
  private transient ExecutorService executor;
  private transient HttpClient http;

  @PostConstruct
  void open() {
    json = JsonbBuilder.create();
    executor =
        Executors.newCachedThreadPool(
            r -> {
              Thread t = new Thread(r, "spindle-cluster-status");
              t.setDaemon(true);
              return t;
            });
    http =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(MEMBER_TIMEOUT)
            .sslContext(node.httpsContext())
            .executor(executor)
            .build();
  }

  @PreDestroy
  void close() {
    executor.shutdownNow();
    try {
      json.close();
    } catch (Exception e) {
      LOG.log(Level.FINE, "closing JSON-B failed", e);
    }
  }

  @Override
  protected void doGet(HttpServletRequest request, HttpServletResponse response)
      throws IOException {
    response.setContentType("application/json");
    response.setCharacterEncoding(StandardCharsets.UTF_8.name());
    response.setHeader("Cache-Control", "no-store");
    try {
      response.getWriter().write(json.toJson(panel()));
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "the cluster status panel failed", e);
      response.setStatus(HttpServletResponse.SC_SERVICE_UNAVAILABLE);
      response
          .getWriter()
          .write(
              json.toJson(
                  Map.of(
                      "error",
                      "this node cannot tell the cluster's status right now ("
                          + e.getMessage()
                          + "); it retries by itself")));
    }
  }

  private Panel panel() {
    ClusterView self = ClusterView.of(node);
    List<CompletableFuture<MemberStatus>> asked = new ArrayList<>();
    for (ClusterView.MemberView m : self.members()) {
      if (m.id().equals(self.nodeId())) {
        asked.add(
            CompletableFuture.completedFuture(
                new MemberStatus(m.id(), m.voter(), m.httpUrl(), true, self, null)));
      } else if (m.httpUrl() == null) {
        asked.add(
            CompletableFuture.completedFuture(
                new MemberStatus(
                    m.id(), m.voter(), null, false, null, "its address has no web URL")));
      } else {
        asked.add(ask(m));
      }
    }
    List<MemberStatus> members = new ArrayList<>();
    for (CompletableFuture<MemberStatus> f : asked) {
      members.add(f.join());
    }
    return new Panel(self, members, queuePanel());
  }

  private QueuePanel queuePanel() {
    return node.queueDepths()
        .map(
            d ->
                new QueuePanel(
                    d.server(),
                    d.queues().stream()
                        .map(
                            q ->
                                new QueueRow(
                                    q.getName(), q.getDepth(), q.getCapacity(), q.getLeased()))
                        .toList(),
                    d.deadLetters().stream()
                        .map(
                            g ->
                                new GivenUp(
                                    g.getRequestId(),
                                    g.getKind(),
                                    g.getAttempts(),
                                    g.getLastNodeId(),
                                    g.getFailedAtMs(),
                                    g.getReason()))
                        .toList()))
        .orElse(null);
  }

  private CompletableFuture<MemberStatus> ask(ClusterView.MemberView m) {
    HttpRequest request =
        HttpRequest.newBuilder(URI.create(m.httpUrl() + "/api/cluster"))
            .timeout(MEMBER_TIMEOUT)
            .header("Accept", "application/json")
            .header("Authorization", "Bearer " + node.nodeToken())
            .GET()
            .build();
    return http.sendAsync(request, HttpResponse.BodyHandlers.ofString())
        .thenApply(
            answer -> {
              if (answer.statusCode() != 200) {
                return failed(m, "it answered HTTP " + answer.statusCode());
              }
              try {
                return new MemberStatus(
                    m.id(),
                    m.voter(),
                    m.httpUrl(),
                    false,
                    json.fromJson(answer.body(), ClusterView.class),
                    null);
              } catch (JsonbException e) {
                return failed(m, "its answer was not a cluster view");
              }
            })
        .exceptionally(e -> failed(m, "it does not answer at " + m.httpUrl()));
  }

  private static MemberStatus failed(ClusterView.MemberView m, String why) {
    return new MemberStatus(m.id(), m.voter(), m.httpUrl(), false, null, why);
  }
}
