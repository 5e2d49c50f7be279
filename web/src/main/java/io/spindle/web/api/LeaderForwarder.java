package io.spindle.web.api;

import io.spindle.node.application.NodeFacade;
import io.spindle.node.application.NotLeaderException;
import io.spindle.node.domain.FileName;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriBuilder;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublisher;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.logging.Logger;

/**
 * Passes a write that reached a follower on to the leader and relays the leader's answer, so that
 * any node takes writes (a browser or {@code curl} without {@code -L} included). The body is
 * streamed through as it arrives, never held whole. A forwarded request carries {@value #FORWARDED}
 * and is never forwarded again: a node that is not the leader when one arrives answers 503, and the
 * client retries with the same {@code Idempotency-Key}, which the forward always carries (one is
 * made up if the client sent none, and returned to it), so that a retry after a lost answer has one
 * effect.
 *
 * <p>Group changes ({@code PUT}, {@code POST …/renew}, {@code DELETE} under {@code /api/groups})
 * are forwarded the same way by {@link #forwardChange}, with their small JSON body (already read
 * and checked) and without an {@code Idempotency-Key}: joining, renewing and leaving again are
 * harmless, so a client that lost the answer repeats the request.
 *
 * <p>The forward proves the cluster secret (the node token, see {@code ClientTokens}): this node
 * checked the client's token before. It is bounded: at most {@value #MAX_THREADS} forwards at once
 * (more wait their turn), each given a deadline from its size.
 */
@ApplicationScoped
public class LeaderForwarder {
  static final String FORWARDED = "X-Spindle-Forwarded-By";
  static final int MAX_THREADS = 16;

  /** The least time a forward may take, and the slowest rate a forwarded upload may go at. */
  private static final Duration MIN_FORWARD_TIME = Duration.ofSeconds(30);

  private static final long MIN_BYTES_PER_SECOND = 1 << 20;

  /** A streamed upload of unknown length may take this long at most. */
  private static final Duration MAX_UNKNOWN_LENGTH_FORWARD_TIME = Duration.ofHours(1);

  private static final Logger LOG = Logger.getLogger(LeaderForwarder.class.getName());

  @Inject NodeFacade node;

  private ExecutorService executor;
  private HttpClient http;

  @PostConstruct
  void open() {
    executor =
        Executors.newFixedThreadPool(
            MAX_THREADS,
            r -> {
              Thread t = new Thread(r, "spindle-forward");
              t.setDaemon(true);
              return t;
            });
    http =
        HttpClient.newBuilder()
            // HTTP/1.1: Payara Micro drops some answers to the JDK client's h2c upgrade.
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .executor(executor)
            .sslContext(node.httpsContext())
            .build();
  }

  @PreDestroy
  void close() {
    executor.shutdownNow();
  }

  /** Forwards {@code PUT /api/files/{name}} with {@code content} ({@code length} -1 if unknown). */
  Response put(
      FileName name,
      String rawQuery,
      InputStream content,
      long length,
      String contentType,
      String requestId) {
    BodyPublisher body;
    if (length == 0) {
      body = HttpRequest.BodyPublishers.noBody();
    } else if (length > 0) {
      body =
          HttpRequest.BodyPublishers.fromPublisher(
              HttpRequest.BodyPublishers.ofInputStream(() -> content), length);
    } else {
      body = HttpRequest.BodyPublishers.ofInputStream(() -> content); // chunked
    }
    Duration deadline =
        length < 0
            ? MAX_UNKNOWN_LENGTH_FORWARD_TIME
            : MIN_FORWARD_TIME.plusSeconds(length / MIN_BYTES_PER_SECOND);
    HttpRequest.Builder request = requestTo(name, rawQuery, requestId).timeout(deadline).PUT(body);
    if (contentType != null) {
      request.header("Content-Type", contentType);
    }
    return relay(request.build(), requestId);
  }

  /** Forwards {@code DELETE /api/files/{name}}. */
  Response delete(FileName name, String rawQuery, String requestId) {
    return relay(
        requestTo(name, rawQuery, requestId).timeout(MIN_FORWARD_TIME).DELETE().build(), requestId);
  }

  /**
   * Forwards a change of group membership: {@code method} ({@code PUT}, {@code POST} or {@code
   * DELETE}) to {@code /api/} and the {@code segments} on the leader, with {@code json} as the body
   * (null for none). A {@code Location} the leader answers with is replaced by {@code location},
   * the same resource on this node.
   */
  Response forwardChange(String method, List<String> segments, byte[] json, URI location) {
    Response relayed = relay(changeRequest(method, segments, json), null);
    if (relayed.getHeaderString("Location") == null) {
      return relayed;
    }
    return Response.fromResponse(relayed).location(location).build();
  }

  /**
   * Sends a request {@link #changeRequest} made, without waiting: completes with the leader's
   * answer, or with the failure to reach it ({@link #unreachable} words it). {@link RenewalBatcher}
   * sends its batches so.
   */
  CompletableFuture<HttpResponse<byte[]>> send(HttpRequest request) {
    return http.sendAsync(request, HttpResponse.BodyHandlers.ofByteArray());
  }

  /**
   * Whether this node takes a change itself, as the leader; false if it is to be forwarded. A
   * change another node already forwarded is never forwarded again: if this node does not lead (any
   * more), the client is told to retry ({@link NotLeaderException}, 503).
   */
  boolean leaderTakes(HttpHeaders headers) {
    boolean leader = node.status().isLeader();
    if (!leader && headers.getHeaderString(FORWARDED) != null) {
      throw new NotLeaderException(Optional.empty());
    }
    return leader;
  }

  /**
   * A change to forward: {@code method} to {@code /api/} and the {@code segments} on the leader,
   * with {@code json} as the body (null for none). Throws {@link NotLeaderException} if no leader
   * is known.
   */
  HttpRequest changeRequest(String method, List<String> segments, byte[] json) {
    UriBuilder target = UriBuilder.fromUri(leader()).path("api");
    for (String segment : segments) {
      target.segment(segment);
    }
    HttpRequest.Builder request =
        HttpRequest.newBuilder(target.build())
            .header(FORWARDED, node.status().nodeId())
            .header("Authorization", "Bearer " + node.nodeToken())
            .timeout(MIN_FORWARD_TIME);
    if (json == null) {
      request.method(method, HttpRequest.BodyPublishers.noBody());
    } else {
      request
          .header("Content-Type", MediaType.APPLICATION_JSON)
          .method(method, HttpRequest.BodyPublishers.ofByteArray(json));
    }
    return request.build();
  }

  private URI leader() {
    return node.leaderHttpUrl().orElseThrow(() -> new NotLeaderException(Optional.empty()));
  }

  private HttpRequest.Builder requestTo(FileName name, String rawQuery, String requestId) {
    UriBuilder target = UriBuilder.fromUri(leader()).path("api").path("files");
    for (String segment : name.value().split("/", -1)) {
      target.segment(segment);
    }
    if (rawQuery != null) {
      target.replaceQuery(rawQuery);
    }
    return HttpRequest.newBuilder(target.build())
        .header(FORWARDED, node.status().nodeId())
        .header("Authorization", "Bearer " + node.nodeToken())
        .header("Idempotency-Key", requestId);
  }

  /**
   * The answer when {@code request} could not be passed on to the leader ({@code failure}): 503,
   * retry. {@code requestId} is a file write's idempotency key; null for a group change.
   */
  static Response unreachable(HttpRequest request, Throwable failure, String requestId) {
    LOG.info(() -> "Forwarding " + request.method() + " " + request.uri() + " failed: " + failure);
    String failed =
        "this node could not pass the "
            + (requestId == null ? "change" : "write")
            + " on to the leader at "
            + request.uri().getAuthority()
            + " ("
            + failure.getMessage()
            + "); it may or may not have happened: ";
    return Response.status(Response.Status.SERVICE_UNAVAILABLE)
        .header("Retry-After", "1")
        .header("Idempotency-Key", requestId)
        .entity(
            new ErrorBody(
                requestId == null
                    ? failed + "retry it (joining, renewing or leaving again is harmless)"
                    : failed + "retry with the same Idempotency-Key " + requestId))
        .type(MediaType.APPLICATION_JSON_TYPE)
        .build();
  }

  /**
   * Sends the forward and relays the leader's answer. {@code requestId} is the file write's
   * idempotency key, returned to the client; null for a group change, which has none.
   */
  private Response relay(HttpRequest request, String requestId) {
    HttpResponse<InputStream> answer;
    try {
      answer = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
    } catch (IOException e) {
      for (Throwable cause = e; cause != null; cause = cause.getCause()) {
        if (cause instanceof FileTooLargeException tooLarge) {
          return ApiExceptionMapper.error(
              Response.Status.REQUEST_ENTITY_TOO_LARGE, tooLarge.getMessage());
        }
      }
      return unreachable(request, e, requestId);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while forwarding to the leader", e);
    }
    // A null header value adds no header: a group change's answer carries no Idempotency-Key.
    Response.ResponseBuilder relayed =
        Response.status(answer.statusCode())
            .entity(answer.body())
            .header("Idempotency-Key", requestId);
    for (String header : new String[] {"Content-Type", "Location", "Retry-After", "ETag"}) {
      answer.headers().firstValue(header).ifPresent(v -> relayed.header(header, v));
    }
    return relayed.build();
  }
}
