package io.spindle.bench;

import static io.spindle.bench.FilesBenchOutput.progress;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The HTTP calls {@code bench files} makes to a running cluster's REST API: {@code GET
 * /api/cluster} to find the leader, {@code PUT} and {@code DELETE /api/files/...} on it (HTTP/1.1,
 * redirects followed by hand, an {@code Idempotency-Key} per file so that a retry is one write),
 * each with the client token.
 *
 * <p><b>Threading:</b> thread-safe; the put and delete workers share it. The leader last found is
 * kept in an {@link AtomicReference}; calls block on the network.
 */
final class FilesClient {
  private static final Pattern LEADER_ID = Pattern.compile("\"leaderId\"\\s*:\\s*\"([^\"]*)\"");
  private static final Pattern MEMBER = Pattern.compile("\\{[^{}]*\\}");
  private static final Pattern MEMBER_ID = Pattern.compile("\"id\"\\s*:\\s*\"([^\"]*)\"");
  private static final Pattern MEMBER_URL = Pattern.compile("\"httpUrl\"\\s*:\\s*\"([^\"]*)\"");

  private final List<URI> servers;
  private final String runId;
  private final long deadlineNanos;
  private final HttpClient http;
  private final AtomicReference<URI> leader = new AtomicReference<>();

  /**
   * @param runId names this run in the idempotency keys
   * @param deadlineNanos the end of the whole run ({@link System#nanoTime})
   * @param threads for the HTTP client's executor
   */
  FilesClient(List<URI> servers, String runId, long deadlineNanos, ThreadFactory threads) {
    this.servers = List.copyOf(servers);
    this.runId = runId;
    this.deadlineNanos = deadlineNanos;
    this.http =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .followRedirects(HttpClient.Redirect.NEVER)
            .connectTimeout(Duration.ofSeconds(5))
            .executor(Executors.newCachedThreadPool(threads))
            .build();
  }

  /**
   * One PUT, to the leader, retried on a lost leader until acknowledged or out of time; returns
   * once the file is written.
   */
  void put(String name, byte[] body) throws BenchException, InterruptedException {
    URI base = leader.get();
    URI target = fileUri(base, name);
    String requestId = runId + "-" + name;
    int attempts = 0;
    while (true) {
      BenchException.checkDeadline(deadlineNanos);
      attempts++;
      HttpRequest request =
          authorized(target)
              .timeout(Duration.ofSeconds(120))
              .header("Content-Type", "application/octet-stream")
              .header("Idempotency-Key", requestId)
              .PUT(HttpRequest.BodyPublishers.ofByteArray(body))
              .build();
      HttpResponse<String> response;
      try {
        response = http.send(request, HttpResponse.BodyHandlers.ofString());
      } catch (IOException e) {
        if (attempts >= 20) {
          throw new BenchException("PUT " + target + " failed " + attempts + " times: " + e, e);
        }
        progress("PUT %s: %s; looking for the leader again", target, e);
        Thread.sleep(Math.min(100L * attempts, 1_000L));
        target = fileUri(findLeader(), name);
        continue;
      }
      int status = response.statusCode();
      if (status == 200 || status == 201) {
        return;
      }
      if (status == 307 || status == 308) {
        Optional<String> location = response.headers().firstValue("Location");
        if (location.isEmpty() || attempts >= 20) {
          throw new BenchException("PUT " + target + " redirected without end: " + status);
        }
        target = target.resolve(location.get());
        leader.set(URI.create(target.getScheme() + "://" + target.getRawAuthority()));
        continue;
      }
      if ((status == 503 || status == 409) && attempts < 20) {
        // no leader, or leadership moved while the write was in flight: the same Idempotency-Key
        // makes the retry one write
        progress("PUT %s answered %d; looking for the leader again", target, status);
        Thread.sleep(Math.min(100L * attempts, 1_000L));
        target = fileUri(findLeader(), name);
        continue;
      }
      throw new BenchException(
          "PUT " + target + " answered " + status + ": " + abbreviate(response.body()));
    }
  }

  /** Deletes one file written by this run; whether it is gone (false: gave up). */
  boolean delete(String name) {
    URI base = leader.get();
    if (base == null) {
      return false;
    }
    URI target = fileUri(base, name);
    for (int attempt = 1; attempt <= 5; attempt++) {
      try {
        HttpResponse<String> response =
            http.send(
                authorized(target)
                    .timeout(Duration.ofSeconds(30))
                    .header("Idempotency-Key", runId + "-delete-" + name)
                    .DELETE()
                    .build(),
                HttpResponse.BodyHandlers.ofString());
        int status = response.statusCode();
        if (status == 204 || status == 200 || status == 404) {
          return true;
        }
        if (status == 307 || status == 308) {
          Optional<String> location = response.headers().firstValue("Location");
          if (location.isPresent()) {
            target = target.resolve(location.get());
          }
          continue;
        }
        Thread.sleep(200L * attempt);
        target = fileUri(findLeader(), name);
      } catch (BenchException e) {
        return false;
      } catch (IOException e) {
        try {
          Thread.sleep(200L * attempt);
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          return false;
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
    return false;
  }

  private static URI fileUri(URI base, String name) {
    StringBuilder path = new StringBuilder(base.toString()).append("/api/files");
    for (String segment : name.split("/")) {
      path.append('/')
          .append(URLEncoder.encode(segment, StandardCharsets.UTF_8).replace("+", "%20"));
    }
    return URI.create(path.toString());
  }

  /** Asks each server in turn for the cluster's leader and its HTTP URL; waits up to 30 s. */
  URI findLeader() throws BenchException, InterruptedException {
    long until = Math.min(deadlineNanos, System.nanoTime() + TimeUnit.SECONDS.toNanos(30));
    boolean anyAnswered = false;
    String lastProblem = "";
    while (true) {
      for (URI server : servers) {
        String body;
        try {
          HttpResponse<String> response =
              http.send(
                  authorized(URI.create(server + "/api/cluster"))
                      .timeout(Duration.ofSeconds(5))
                      .GET()
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
          anyAnswered = true;
          if (response.statusCode() != 200) {
            lastProblem = server + "/api/cluster answered " + response.statusCode();
            continue;
          }
          body = response.body();
        } catch (ConnectException | HttpTimeoutException e) {
          continue;
        } catch (IOException e) {
          lastProblem = server + ": " + e;
          continue;
        }
        Optional<URI> found = leaderUrl(body);
        if (found.isPresent()) {
          leader.set(found.get());
          return found.get();
        }
        lastProblem = server + " knows no leader yet";
      }
      if (!anyAnswered) {
        throw new BenchException(
            "no node answers at "
                + String.join(",", servers.stream().map(URI::toString).toList())
                + "; start one with bin/spindle up");
      }
      if (System.nanoTime() > until) {
        throw new BenchException("the cluster has no leader after 30 s (" + lastProblem + ")");
      }
      Thread.sleep(250);
    }
  }

  private static Optional<URI> leaderUrl(String clusterJson) {
    Matcher leaderId = LEADER_ID.matcher(clusterJson);
    if (!leaderId.find() || leaderId.group(1).isEmpty()) {
      return Optional.empty();
    }
    Matcher member = MEMBER.matcher(clusterJson);
    while (member.find()) {
      String m = member.group();
      Matcher id = MEMBER_ID.matcher(m);
      Matcher url = MEMBER_URL.matcher(m);
      if (id.find() && id.group(1).equals(leaderId.group(1)) && url.find()) {
        String u = url.group(1);
        URI uri = URI.create(u.endsWith("/") ? u.substring(0, u.length() - 1) : u);
        if (uri.getHost() == null || !isLoopback(uri.getHost())) {
          return Optional.empty();
        }
        return Optional.of(uri);
      }
    }
    return Optional.empty();
  }

  static boolean isLoopback(String host) {
    return host.equals("localhost") || host.startsWith("127.") || host.equals("[::1]");
  }

  private static String abbreviate(String s) {
    return s == null ? "" : s.length() > 300 ? s.substring(0, 300) + "..." : s;
  }

  /**
   * A request with the client token: from $SPINDLE_TOKEN, $SPINDLE_TOKEN_FILE, or the
   * run/client-token bin/spindle up writes (issue 13: the API needs one).
   */
  private static HttpRequest.Builder authorized(URI uri) {
    HttpRequest.Builder b = HttpRequest.newBuilder(uri);
    String token = clientToken();
    return token.isEmpty() ? b : b.header("Authorization", "Bearer " + token);
  }

  private static volatile String token;

  private static String clientToken() {
    if (token == null) {
      String inline = System.getenv().getOrDefault("SPINDLE_TOKEN", "").strip();
      String named = System.getenv().getOrDefault("SPINDLE_TOKEN_FILE", "").strip();
      java.nio.file.Path file = java.nio.file.Path.of(named.isEmpty() ? "run/client-token" : named);
      try {
        token =
            !inline.isEmpty()
                ? inline
                : java.nio.file.Files.isReadable(file)
                    ? java.nio.file.Files.readString(file).strip()
                    : "";
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException("cannot read the client token " + file, e);
      }
    }
    return token;
  }
}
