package io.spindle.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * A group member as a process of its own, for what kills one with kill -9 ({@code bench groups},
 * the group system test): it answers HTTP on 127.0.0.1 (a GET of any path: 200, so that the cluster
 * can probe it), joins a group as a lease member at that address and renews its lease every third
 * of its ttl through the nodes in turn (the next node when one does not answer), until it is
 * killed. A renewal answered 404 (it expired) joins again.
 *
 * <p>Standard output, one line per event, flushed at once (what its parent reads): {@code listening
 * PORT}, {@code joined INDEX}, {@code renewed SENT_MILLIS NODE} (the wall clock when the renewal
 * that succeeded was sent), {@code expired SENT_MILLIS} (a renewal was answered 404), {@code
 * unanswered SENT_MILLIS} (no node renewed it).
 *
 * <p>Arguments: {@code --servers URL,... --group G --id ID --ttl SECONDS}. The client token comes
 * from {@code SPINDLE_TOKEN} or the file {@code SPINDLE_TOKEN_FILE} names.
 */
public final class GroupMemberProcess {
  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(2);

  private final List<URI> servers;
  private final String group;
  private final String id;
  private final int ttlSeconds;
  private final String token;
  private final PrintStream out = System.out;
  private final HttpClient http =
      HttpClient.newBuilder()
          // HTTP/1.1: the JDK client upgrades to h2c, and Payara Micro then drops some answers.
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(REQUEST_TIMEOUT)
          .build();
  private int next;
  private String address;

  private GroupMemberProcess(
      List<URI> servers, String group, String id, int ttlSeconds, String token) {
    this.servers = servers;
    this.group = group;
    this.id = id;
    this.ttlSeconds = ttlSeconds;
    this.token = token;
  }

  public static void main(String[] args) throws Exception {
    List<URI> servers = new ArrayList<>();
    String group = null;
    String id = null;
    int ttl = 0;
    for (int i = 0; i + 1 < args.length; i += 2) {
      switch (args[i]) {
        case "--servers" -> {
          for (String s : args[i + 1].split(",")) {
            servers.add(URI.create(s.strip()));
          }
        }
        case "--group" -> group = args[i + 1];
        case "--id" -> id = args[i + 1];
        case "--ttl" -> ttl = Integer.parseInt(args[i + 1]);
        default -> throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    if (servers.isEmpty() || group == null || id == null || ttl < 1) {
      System.err.println(
          "usage: GroupMemberProcess --servers URL,... --group G --id ID --ttl SECONDS");
      System.exit(64);
    }
    new GroupMemberProcess(servers, group, id, ttl, token()).run();
  }

  private static String token() throws IOException {
    String token = System.getenv("SPINDLE_TOKEN");
    if (token == null || token.isBlank()) {
      String file = System.getenv("SPINDLE_TOKEN_FILE");
      if (file == null || file.isBlank()) {
        throw new IllegalStateException("set SPINDLE_TOKEN or SPINDLE_TOKEN_FILE");
      }
      token = Files.readString(Path.of(file));
    }
    return token.strip();
  }

  private void run() throws Exception {
    com.sun.net.httpserver.HttpServer server =
        com.sun.net.httpserver.HttpServer.create(
            new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
    server.createContext(
        "/",
        exchange -> {
          byte[] ok = "ok\n".getBytes(StandardCharsets.UTF_8);
          exchange.sendResponseHeaders(200, ok.length);
          exchange.getResponseBody().write(ok);
          exchange.close();
        });
    server.setExecutor(Executors.newFixedThreadPool(2));
    server.start();
    int port = server.getAddress().getPort();
    address = "127.0.0.1:" + port;
    say("listening " + port);
    join();
    long periodMillis = Math.max(100, ttlSeconds * 1000L / 3);
    long nextAt = System.nanoTime();
    while (true) {
      nextAt += TimeUnit.MILLISECONDS.toNanos(periodMillis);
      long wait = nextAt - System.nanoTime();
      if (wait > 0) {
        TimeUnit.NANOSECONDS.sleep(wait); // the renewal period: a fixed rate, not a wait for state
      }
      renew();
    }
  }

  /** Joins (again), through the nodes in turn until one answers 200 or 201. */
  private void join() throws InterruptedException {
    String body =
        "{\"address\":\""
            + address
            + "\",\"ttlSeconds\":"
            + ttlSeconds
            + ",\"meta\":{\"pid\":\""
            + ProcessHandle.current().pid()
            + "\"},\"probe\":\"none\"}";
    while (true) {
      URI node = nextServer();
      try {
        HttpResponse<String> r =
            http.send(
                request(node, "/members/" + encode(id))
                    .PUT(HttpRequest.BodyPublishers.ofString(body))
                    .header("Content-Type", "application/json")
                    .build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 200 || r.statusCode() == 201) {
          int at = r.body().indexOf("\"index\":");
          say("joined " + (at < 0 ? "?" : r.body().substring(at + 8).split("[,}]")[0]));
          return;
        }
        if (r.statusCode() == 400) {
          throw new IllegalArgumentException("the join was refused: " + r.body());
        }
      } catch (IOException e) {
        // that node is down or busy: the next one
      }
      TimeUnit.MILLISECONDS.sleep(100); // a back-off between attempts of a client
    }
  }

  /** One renewal, through each node in turn until one answers. */
  private void renew() throws InterruptedException {
    long sent = System.currentTimeMillis();
    for (int attempt = 0; attempt < servers.size(); attempt++) {
      URI node = nextServer();
      try {
        HttpResponse<String> r =
            http.send(
                request(node, "/members/" + encode(id) + "/renew")
                    .POST(HttpRequest.BodyPublishers.noBody())
                    .build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 200) {
          say("renewed " + sent + " " + node);
          return;
        }
        if (r.statusCode() == 404) {
          say("expired " + sent);
          join();
          return;
        }
      } catch (IOException e) {
        // that node is down or lost its leader: the next one
      }
    }
    say("unanswered " + sent);
  }

  private HttpRequest.Builder request(URI node, String path) {
    return HttpRequest.newBuilder(node.resolve("/api/groups/" + encode(group) + path))
        .timeout(REQUEST_TIMEOUT)
        .header("Authorization", "Bearer " + token);
  }

  private URI nextServer() {
    URI node = servers.get(next % servers.size());
    next++;
    return node;
  }

  private static String encode(String segment) {
    return URLEncoder.encode(segment, StandardCharsets.UTF_8).replace("+", "%20");
  }

  private void say(String line) {
    out.println(line);
    out.flush();
  }
}
