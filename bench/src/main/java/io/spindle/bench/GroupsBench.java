package io.spindle.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntFunction;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code bin/spindle bench groups}: group membership on a running three-node cluster, through the
 * REST API on every node (a follower passes changes on to the leader):
 *
 * <ul>
 *   <li>{@code groups.joins_per_s}, {@code groups.join_p50_ms}, {@code groups.join_p99_ms}: new
 *       members ({@code PUT}, each a log entry committed and applied before its answer), {@code
 *       --in-flight} at once for {@code --seconds}, after {@code --warmup} seconds not counted;
 *   <li>{@code groups.renewals_per_s}, {@code groups.renew_p50_ms}, {@code groups.renew_p99_ms}:
 *       renewals ({@code POST …/renew}) of the members joined before, the same way;
 *   <li>{@code groups.death_to_removal_lease_ms} and {@code groups.death_to_removal_probe_ms}
 *       (median; {@code …_max_ms}: the largest): from kill -9 of a member process ({@link
 *       GroupMemberProcess}) to the member gone from every node's own view (polled every 20 ms),
 *       over {@code --members} processes killed one after another at random moments; each renews a
 *       lease of {@code --ttl} seconds every third of it, and is also joined as a member the leader
 *       probes over HTTP (a lease of 10 × ttl, so that the probes remove it).
 * </ul>
 *
 * Standard output carries one {@code NAME VALUE UNIT} line per figure; progress goes to standard
 * error. Options: {@code --servers URL,...} (the three nodes; default 127.0.0.1:3000-3002), {@code
 * --seconds N} (20), {@code --warmup N} (5), {@code --in-flight N} (64), {@code --members N} (5),
 * {@code --ttl SECONDS} (6). The client token comes from {@code SPINDLE_TOKEN} or the file {@code
 * SPINDLE_TOKEN_FILE} names. The joined members keep a lease of ten minutes and expire by
 * themselves; the member processes are killed however the benchmark ends.
 */
public final class GroupsBench {
  private static final Logger LOG = Logger.getLogger(GroupsBench.class.getName());
  private static final Pattern ID = Pattern.compile("\"id\":\"([^\"]+)\"");
  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);
  private static final int JOINED_TTL_SECONDS = 600;
  private static final int JOIN_GROUPS = 32;

  private final List<URI> servers;
  private final int seconds;
  private final int warmup;
  private final int inFlight;
  private final int memberCount;
  private final int ttlSeconds;
  private final String token;
  private final String run = Long.toString(System.currentTimeMillis(), 36);
  private final HttpClient http =
      HttpClient.newBuilder()
          // HTTP/1.1: the JDK client upgrades to h2c, and Payara Micro then drops some answers.
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();
  private final List<Process> children = new CopyOnWriteArrayList<>();
  private final List<String> joined = new CopyOnWriteArrayList<>();

  private GroupsBench(
      List<URI> servers,
      int seconds,
      int warmup,
      int inFlight,
      int memberCount,
      int ttlSeconds,
      String token) {
    this.servers = servers;
    this.seconds = seconds;
    this.warmup = warmup;
    this.inFlight = inFlight;
    this.memberCount = memberCount;
    this.ttlSeconds = ttlSeconds;
    this.token = token;
  }

  public static void main(String[] args) {
    List<URI> servers =
        List.of(
            URI.create("http://127.0.0.1:3000"),
            URI.create("http://127.0.0.1:3001"),
            URI.create("http://127.0.0.1:3002"));
    int seconds = 20;
    int warmup = 5;
    int inFlight = 64;
    int members = 5;
    int ttl = 6;
    String token;
    try {
      for (int i = 0; i < args.length; i++) {
        String arg = args[i];
        if (arg.equals("-h") || arg.equals("--help")) {
          System.out.println(usage());
          return;
        }
        if (i + 1 >= args.length) {
          throw new IllegalArgumentException("option " + arg + " needs a value");
        }
        String value = args[++i];
        switch (arg) {
          case "--servers" -> servers = servers(value);
          case "--seconds" -> seconds = bounded(arg, value, 1, 3600);
          case "--warmup" -> warmup = bounded(arg, value, 0, 600);
          case "--in-flight" -> inFlight = bounded(arg, value, 1, 1024);
          case "--members" -> members = bounded(arg, value, 1, 50);
          case "--ttl" -> ttl = bounded(arg, value, 1, 360);
          default -> throw new IllegalArgumentException("unknown option " + arg);
        }
      }
      token = token();
    } catch (IllegalArgumentException | IOException e) {
      System.err.println("groups bench: " + e.getMessage());
      System.err.println(usage());
      System.exit(64);
      return;
    }
    GroupsBench bench = new GroupsBench(servers, seconds, warmup, inFlight, members, ttl, token);
    Runtime.getRuntime().addShutdownHook(new Thread(bench::killMembers, "groups-bench-cleanup"));
    int status = 0;
    try {
      bench.run();
    } catch (BenchException e) {
      progress("FAILED: %s", e.getMessage());
      status = 1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      progress("interrupted");
      status = 130;
    } catch (Exception e) {
      progress("FAILED: %s", e);
      LOG.log(Level.SEVERE, "the benchmark failed", e);
      status = 1;
    } finally {
      bench.killMembers();
    }
    System.exit(status);
  }

  private static String usage() {
    return "usage: bin/spindle bench groups [--seconds N] [--warmup N] [--in-flight N]"
        + " [--members N] [--ttl SECONDS] [--servers http://127.0.0.1:3000,...]";
  }

  private static int bounded(String option, String value, int min, int max) {
    try {
      int n = Integer.parseInt(value);
      if (n >= min && n <= max) {
        return n;
      }
    } catch (NumberFormatException e) {
      // said below
    }
    throw new IllegalArgumentException(option + " is a whole number from " + min + " to " + max);
  }

  private static List<URI> servers(String value) {
    List<URI> result = new ArrayList<>();
    for (String part : value.split(",")) {
      String s = part.strip();
      if (s.isEmpty()) {
        continue;
      }
      URI uri = URI.create(s.endsWith("/") ? s.substring(0, s.length() - 1) : s);
      if (!"http".equals(uri.getScheme()) || uri.getHost() == null) {
        throw new IllegalArgumentException("not an http URL: " + s);
      }
      result.add(uri);
    }
    if (result.isEmpty()) {
      throw new IllegalArgumentException("--servers is empty");
    }
    return result;
  }

  private static String token() throws IOException {
    String token = System.getenv("SPINDLE_TOKEN");
    if (token == null || token.isBlank()) {
      String file = System.getenv("SPINDLE_TOKEN_FILE");
      if (file == null || file.isBlank()) {
        throw new IllegalArgumentException(
            "no client token: set SPINDLE_TOKEN, or SPINDLE_TOKEN_FILE to a file holding it");
      }
      token = Files.readString(Path.of(file));
    }
    return token.strip();
  }

  private void run() throws Exception {
    progress("run %s against %s", run, servers);
    awaitAnswering();

    Rate joins =
        measure(
            "joins",
            n -> {
              String member = "j-" + n;
              String group = "bench-" + run + "-j" + (n % JOIN_GROUPS);
              return new Call(
                  request(group, member)
                      .header("Content-Type", "application/json")
                      .PUT(
                          HttpRequest.BodyPublishers.ofString(
                              joinBody("10.9.0.1:80", JOINED_TTL_SECONDS, "none")))
                      .build(),
                  201,
                  () -> joined.add(group + "/" + member));
            });
    result("groups.joins_per_s", joins.perSecond(), "ops/s");
    result("groups.join_p50_ms", joins.percentileMillis(50), "ms");
    result("groups.join_p99_ms", joins.percentileMillis(99), "ms");

    List<String> pool = List.copyOf(joined);
    if (pool.isEmpty()) {
      throw new BenchException("no join succeeded: nothing to renew");
    }
    Rate renewals =
        measure(
            "renewals",
            n -> {
              String key = pool.get(n % pool.size());
              int slash = key.indexOf('/');
              return new Call(
                  request(key.substring(0, slash), key.substring(slash + 1) + "/renew")
                      .POST(HttpRequest.BodyPublishers.noBody())
                      .build(),
                  200,
                  () -> {});
            });
    result("groups.renewals_per_s", renewals.perSecond(), "ops/s");
    result("groups.renew_p50_ms", renewals.percentileMillis(50), "ms");
    result("groups.renew_p99_ms", renewals.percentileMillis(99), "ms");

    deaths();
  }

  // ---------------------------------------------------------------- throughput

  /** One request of a load, the status that counts as done, and what to do when it is. */
  private record Call(HttpRequest request, int expected, Runnable done) {}

  /** What a load achieved in its measured window. */
  private record Rate(long count, double seconds, long[] latenciesNanos) {
    double perSecond() {
      return count / seconds;
    }

    double percentileMillis(int p) {
      if (latenciesNanos.length == 0) {
        return Double.NaN;
      }
      long[] sorted = latenciesNanos.clone();
      Arrays.sort(sorted);
      int at = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
      return sorted[Math.max(0, at)] / 1e6;
    }
  }

  /**
   * Sends the calls {@code next} makes (0, 1, 2, ...) to the nodes in turn, {@code inFlight} at
   * once, for the warm-up and then the measured seconds; counts and times those answered as
   * expected within the measured window. Any other answer is counted and shown; too many fail the
   * benchmark.
   */
  private Rate measure(String what, IntFunction<Call> next) throws Exception {
    Semaphore permits = new Semaphore(inFlight);
    AtomicInteger counter = new AtomicInteger();
    AtomicLong done = new AtomicLong();
    AtomicLong failed = new AtomicLong();
    Map<String, AtomicLong> failures = new ConcurrentHashMap<>();
    long[] latencies = new long[4_000_000];
    AtomicInteger measuredCount = new AtomicInteger();
    long start = System.nanoTime();
    long measureFrom = start + TimeUnit.SECONDS.toNanos(warmup);
    long end = measureFrom + TimeUnit.SECONDS.toNanos(seconds);
    progress("%s: %d s warm-up, %d s measured, %d in flight", what, warmup, seconds, inFlight);
    while (System.nanoTime() < end) {
      if (!permits.tryAcquire(100, TimeUnit.MILLISECONDS)) {
        continue;
      }
      int n = counter.getAndIncrement();
      Call call = next.apply(n);
      URI node = servers.get(n % servers.size());
      HttpRequest request =
          HttpRequest.newBuilder(call.request(), (k, v) -> true)
              .uri(node.resolve(call.request().uri().getRawPath()))
              .build();
      long sent = System.nanoTime();
      http.sendAsync(request, HttpResponse.BodyHandlers.ofString())
          .whenComplete(
              (r, failure) -> {
                long now = System.nanoTime();
                if (r != null && r.statusCode() == call.expected()) {
                  call.done().run();
                  if (sent >= measureFrom && now <= end) {
                    int i = measuredCount.getAndIncrement();
                    if (i < latencies.length) {
                      latencies[i] = now - sent;
                    }
                    done.incrementAndGet();
                  }
                } else {
                  failed.incrementAndGet();
                  String why =
                      r != null ? "HTTP " + r.statusCode() : failure.getClass().getSimpleName();
                  failures.computeIfAbsent(why, k -> new AtomicLong()).incrementAndGet();
                }
                permits.release();
              });
    }
    permits.acquire(inFlight);
    permits.release(inFlight);
    int measured = Math.min(measuredCount.get(), latencies.length);
    progress(
        "%s: %d in the measured window, %d not as expected %s",
        what, done.get(), failed.get(), failures);
    if (failed.get() > counter.get() / 100) {
      throw new BenchException(
          "more than 1% of the " + what + " failed: " + failures + "; see the nodes' logs");
    }
    return new Rate(done.get(), seconds, Arrays.copyOf(latencies, measured));
  }

  // ---------------------------------------------------------------- death to removal

  /**
   * Starts the member processes, waits until every node shows both of each one's members and a full
   * ttl has passed (renewals at their steady pace), then kills them one after another at random
   * moments (0 to 2 s apart) while a poller reads every node's own view of the group.
   */
  private void deaths() throws Exception {
    String group = "bench-" + run + "-deaths";
    List<Process> processes = new ArrayList<>();
    Set<String> all = new HashSet<>();
    for (int i = 0; i < memberCount; i++) {
      processes.add(startMember(group, "lease-" + i));
      all.add("lease-" + i);
      all.add("probe-" + i);
    }
    for (int i = 0; i < memberCount; i++) {
      int port = awaitPort(processes.get(i), i);
      send(
          request(group, "probe-" + i)
              .header("Content-Type", "application/json")
              .PUT(
                  HttpRequest.BodyPublishers.ofString(
                      joinBody("127.0.0.1:" + port, 10 * ttlSeconds, "http")))
              .build(),
          201);
    }
    long steadyAt = System.nanoTime() + TimeUnit.SECONDS.toNanos(ttlSeconds);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60 + ttlSeconds);
    while (!everyNodeShows(group, all) || System.nanoTime() < steadyAt) {
      if (System.nanoTime() > deadline) {
        throw new BenchException(
            "the member processes' members are not on every node after a minute");
      }
      TimeUnit.MILLISECONDS.sleep(100); // the poll interval against the deadline above
    }
    progress(
        "deaths: %d member processes, lease %d s, probed over HTTP; killing them",
        memberCount, ttlSeconds);

    Map<String, Long> killedAt = new ConcurrentHashMap<>();
    Map<String, Map<URI, Long>> goneAt = new ConcurrentHashMap<>();
    Thread poller = new Thread(() -> poll(group, all, goneAt), "groups-bench-poller");
    poller.setDaemon(true);
    poller.start();
    SplittableRandom random = new SplittableRandom(17);
    for (int i = 0; i < memberCount; i++) {
      TimeUnit.MILLISECONDS.sleep(random.nextInt(2000)); // a random moment in the renewal period
      long now = System.nanoTime();
      processes.get(i).destroyForcibly();
      killedAt.put("lease-" + i, now);
      killedAt.put("probe-" + i, now);
    }
    long removalDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60 + 10L * ttlSeconds);
    while (!all.stream()
        .allMatch(id -> goneAt.getOrDefault(id, Map.of()).size() == servers.size())) {
      if (System.nanoTime() > removalDeadline) {
        poller.interrupt();
        throw new BenchException("killed members still shown: " + goneAt);
      }
      TimeUnit.MILLISECONDS.sleep(50); // the poll interval against the deadline above
    }
    poller.interrupt();
    List<Double> lease = new ArrayList<>();
    List<Double> probe = new ArrayList<>();
    for (String id : all) {
      long last = goneAt.get(id).values().stream().mapToLong(Long::longValue).max().orElseThrow();
      double ms = (last - killedAt.get(id)) / 1e6;
      (id.startsWith("lease-") ? lease : probe).add(ms);
    }
    progress("deaths: lease members %s ms, probed members %s ms", sorted(lease), sorted(probe));
    result("groups.death_to_removal_lease_ms", median(lease), "ms");
    result("groups.death_to_removal_lease_max_ms", max(lease), "ms");
    result("groups.death_to_removal_probe_ms", median(probe), "ms");
    result("groups.death_to_removal_probe_max_ms", max(probe), "ms");
  }

  /** Reads every node's own view every 20 ms; notes when each member was first seen gone. */
  private void poll(String group, Set<String> ids, Map<String, Map<URI, Long>> goneAt) {
    while (!Thread.currentThread().isInterrupted()) {
      for (URI node : servers) {
        Set<String> present = view(node, group);
        if (present == null) {
          continue;
        }
        long now = System.nanoTime();
        for (String id : ids) {
          if (!present.contains(id)) {
            goneAt.computeIfAbsent(id, k -> new ConcurrentHashMap<>()).putIfAbsent(node, now);
          }
        }
      }
      try {
        TimeUnit.MILLISECONDS.sleep(20); // the polling interval
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  private boolean everyNodeShows(String group, Set<String> ids) {
    for (URI node : servers) {
      Set<String> present = view(node, group);
      if (present == null || !present.containsAll(ids)) {
        return false;
      }
    }
    return true;
  }

  /** The member ids of {@code node}'s own view of the group, or null if it did not answer. */
  private Set<String> view(URI node, String group) {
    try {
      HttpResponse<String> r =
          http.send(
              HttpRequest.newBuilder(node.resolve("/api/groups/" + group + "?stale=true"))
                  .header("Authorization", "Bearer " + token)
                  .timeout(Duration.ofSeconds(5))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() != 200) {
        return null;
      }
      Set<String> ids = new HashSet<>();
      Matcher m = ID.matcher(r.body());
      while (m.find()) {
        ids.add(m.group(1));
      }
      return ids;
    } catch (IOException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  private Process startMember(String group, String id) throws IOException {
    List<String> command =
        List.of(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-Xmx64m",
            "-cp",
            System.getProperty("java.class.path"),
            GroupMemberProcess.class.getName(),
            "--servers",
            String.join(",", servers.stream().map(URI::toString).toList()),
            "--group",
            group,
            "--id",
            id,
            "--ttl",
            Integer.toString(ttlSeconds));
    ProcessBuilder builder = new ProcessBuilder(command);
    builder.environment().put("SPINDLE_TOKEN", token);
    builder.redirectError(ProcessBuilder.Redirect.INHERIT);
    Process p = builder.start();
    children.add(p);
    return p;
  }

  /** The port member process {@code i} listens on, from its first line. */
  private static int awaitPort(Process p, int i) throws IOException, BenchException {
    var reader = p.inputReader(StandardCharsets.UTF_8);
    String line = reader.readLine();
    if (line == null || !line.startsWith("listening ")) {
      throw new BenchException("member process " + i + " did not start: " + line);
    }
    Thread drain =
        new Thread(
            () -> {
              try {
                while (reader.readLine() != null) {
                  // its renewals: not needed here
                }
              } catch (IOException e) {
                // killed
              }
            },
            "member-" + i + "-output");
    drain.setDaemon(true);
    drain.start();
    return Integer.parseInt(line.substring("listening ".length()).strip());
  }

  private void killMembers() {
    for (Process p : children) {
      p.destroyForcibly();
    }
  }

  // ---------------------------------------------------------------- the API

  private HttpRequest.Builder request(String group, String memberPath) {
    return HttpRequest.newBuilder(
            servers.get(0).resolve("/api/groups/" + group + "/members/" + memberPath))
        .header("Authorization", "Bearer " + token)
        .timeout(REQUEST_TIMEOUT);
  }

  private static String joinBody(String address, int ttl, String probe) {
    return "{\"address\":\""
        + address
        + "\",\"ttlSeconds\":"
        + ttl
        + ",\"meta\":{\"bench\":\"groups\"},\"probe\":\""
        + probe
        + "\"}";
  }

  /** Sends {@code request} to each node in turn until one answers {@code expected}. */
  private void send(HttpRequest request, int expected) throws Exception {
    String last = "";
    for (int attempt = 0; attempt < 3 * servers.size(); attempt++) {
      URI node = servers.get(attempt % servers.size());
      try {
        HttpResponse<String> r =
            http.send(
                HttpRequest.newBuilder(request, (k, v) -> true)
                    .uri(node.resolve(request.uri().getRawPath()))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == expected) {
          return;
        }
        last = "HTTP " + r.statusCode() + " " + r.body();
      } catch (IOException e) {
        last = e.toString();
      }
      TimeUnit.MILLISECONDS.sleep(200); // a back-off between attempts of a client
    }
    throw new BenchException(request.method() + " " + request.uri() + " failed: " + last);
  }

  /** Waits up to a minute for every node to answer {@code GET /api/groups}. */
  private void awaitAnswering() throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    for (URI node : servers) {
      while (true) {
        try {
          HttpResponse<String> r =
              http.send(
                  HttpRequest.newBuilder(node.resolve("/api/groups"))
                      .header("Authorization", "Bearer " + token)
                      .timeout(Duration.ofSeconds(5))
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
          if (r.statusCode() == 200) {
            break;
          }
          if (r.statusCode() == 401 || r.statusCode() == 403) {
            throw new BenchException(node + " refused the client token: " + r.body());
          }
        } catch (IOException e) {
          // not listening yet
        }
        if (System.nanoTime() > deadline) {
          throw new BenchException(node + " does not answer GET /api/groups");
        }
        TimeUnit.MILLISECONDS.sleep(500); // the poll interval against the deadline above
      }
    }
  }

  // ---------------------------------------------------------------- output

  private static double median(List<Double> values) {
    List<Double> s = sorted(values);
    int n = s.size();
    return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
  }

  private static double max(List<Double> values) {
    return values.stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN);
  }

  private static List<Double> sorted(List<Double> values) {
    List<Double> s = new ArrayList<>(values);
    s.sort(Double::compare);
    return s.stream().map(v -> Math.round(v * 10) / 10.0).toList();
  }

  private static void result(String name, double value, String unit) {
    System.out.printf(Locale.ROOT, "%s %.1f %s%n", name, value, unit);
    System.out.flush();
  }

  private static void progress(String format, Object... args) {
    System.err.printf(Locale.ROOT, "[groups-bench] " + format + "%n", args);
  }
}
