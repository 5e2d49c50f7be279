package io.spindle.bench;

import io.spindle.raft.NodeId;
import io.spindle.raft.server.kv.KeyValueClient;
import io.spindle.raft.server.kv.KeyValueStateMachine;
import io.spindle.raft.server.kv.LocalCluster;
import io.spindle.raft.server.kv.RaftServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * {@code bin/spindle bench raft}: three {@link RaftServer} JVMs on 127.0.0.1 (Netty, durable log,
 * fsync on) and one client in this JVM, measured the way Apache Ratis's own quick benchmark
 * measures Ratis (so that the two can be run side by side):
 *
 * <ul>
 *   <li>{@code raft.small.ops}, {@code raft.small.p50}, {@code raft.small.p99}: 1 KiB proposals
 *       with 64 in flight, after a warm-up;
 *   <li>{@code raft.large.mbps}: 1 MiB proposals with 4 in flight (MB = 10^6 bytes);
 *   <li>{@code raft.failover.ms}: from SIGKILL of the leader process to the next committed write of
 *       an idle client, median of 5 rounds (the killed node is restarted and caught up in between).
 * </ul>
 *
 * Standard output carries exactly one {@code NAME VALUE UNIT} line per figure; progress goes to
 * standard error. Options: {@code --only small,large,failover}, {@code --seconds N} (measured
 * window, default 15), {@code --warmup N} (default 5), {@code --rounds N} (failover, default 5),
 * {@code --keep} (keep the data and logs, printed on stderr), {@code --plaintext} (no TLS between
 * the nodes and to the client; TLS is the default, as in a real cluster), {@code --server-jvm
 * OPTION} (one more option for the node JVMs, e.g. to profile them; repeatable). Child processes
 * are killed when the benchmark ends, however it ends.
 */
public final class RaftBench {
  private static final List<String> SERVER_JVM =
      List.of("-Xms1g", "-Xmx1g", "-XX:+UseG1GC", "-XX:G1HeapRegionSize=4m", "-XX:+AlwaysPreTouch");
  private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
  private static final int SMALL_BYTES = 1024;
  private static final int SMALL_IN_FLIGHT = 64;
  private static final int LARGE_BYTES = 1 << 20;
  private static final int LARGE_IN_FLIGHT = 4;

  private final Set<String> only;
  private final int seconds;
  private final int warmup;
  private final int rounds;
  private final boolean keep;
  private final List<String> serverJvm;
  private final boolean plaintext;
  private final AtomicReference<LocalCluster> running = new AtomicReference<>();

  private RaftBench(
      Set<String> only,
      int seconds,
      int warmup,
      int rounds,
      boolean keep,
      List<String> extraServerJvm,
      boolean plaintext) {
    this.only = only;
    this.plaintext = plaintext;
    List<String> jvm = new ArrayList<>(SERVER_JVM);
    jvm.addAll(extraServerJvm);
    this.serverJvm = List.copyOf(jvm);
    this.seconds = seconds;
    this.warmup = warmup;
    this.rounds = rounds;
    this.keep = keep;
  }

  public static void main(String[] args) throws Exception {
    if (System.getProperty("java.util.logging.SimpleFormatter.format") == null) {
      System.setProperty("java.util.logging.SimpleFormatter.format", RaftServer.LOG_FORMAT);
    }
    Set<String> only = new LinkedHashSet<>(List.of("small", "large", "failover"));
    int seconds = 15;
    int warmup = 5;
    int rounds = 5;
    boolean keep = false;
    boolean plaintext = false;
    List<String> serverOptions = new ArrayList<>();
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--only" -> {
          only = new LinkedHashSet<>(Arrays.asList(value(args, ++i, "--only").split(",")));
          if (!Set.of("small", "large", "failover").containsAll(only)) {
            usage("--only takes small, large and/or failover, comma-separated");
          }
        }
        case "--seconds" -> seconds = positive(value(args, ++i, "--seconds"), "--seconds");
        case "--warmup" -> warmup = Integer.parseInt(value(args, ++i, "--warmup"));
        case "--rounds" -> rounds = positive(value(args, ++i, "--rounds"), "--rounds");
        case "--keep" -> keep = true;
        case "--plaintext" -> plaintext = true;
        case "--server-jvm" -> serverOptions.add(value(args, ++i, "--server-jvm"));
        case "-h", "--help" -> {
          usage(null);
          return;
        }
        default -> usage("unknown option " + args[i]);
      }
    }
    RaftBench bench = new RaftBench(only, seconds, warmup, rounds, keep, serverOptions, plaintext);
    Runtime.getRuntime().addShutdownHook(new Thread(bench::killCluster, "raft-bench-cleanup"));
    int status = 0;
    try {
      bench.run();
    } catch (Exception | AssertionError e) {
      progress("FAILED: " + e);
      java.util.logging.Logger.getLogger(RaftBench.class.getName())
          .log(java.util.logging.Level.SEVERE, "the benchmark failed", e);
      status = 1;
    } finally {
      bench.killCluster();
    }
    System.exit(status);
  }

  private static String value(String[] args, int i, String flag) {
    if (i >= args.length) {
      usage(flag + " needs a value");
    }
    return args[i];
  }

  private static int positive(String s, String flag) {
    try {
      int n = Integer.parseInt(s);
      if (n > 0) {
        return n;
      }
    } catch (NumberFormatException e) {
      // fall through
    }
    usage(flag + " wants a positive number, got '" + s + "'");
    return 0;
  }

  private static void usage(String error) {
    if (error != null) {
      System.err.println("raft bench: " + error);
    }
    System.err.println(
        "usage: bin/spindle bench raft [--only small,large,failover] [--seconds N] [--warmup N]"
            + " [--rounds N] [--keep] [--plaintext] [--server-jvm OPTION]...");
    if (error != null) {
      System.exit(64);
    }
  }

  private void run() throws Exception {
    if (only.contains("small")) {
      Load load =
          withCluster(
              "small", (cluster, client) -> measure(client, SMALL_BYTES, SMALL_IN_FLIGHT, 1024));
      figure("raft.small.ops", load.opsPerSecond(), "ops/s");
      figure("raft.small.p50", load.p50Millis(), "ms");
      figure("raft.small.p99", load.p99Millis(), "ms");
    }
    if (only.contains("large")) {
      Load load =
          withCluster(
              "large", (cluster, client) -> measure(client, LARGE_BYTES, LARGE_IN_FLIGHT, 16));
      figure("raft.large.mbps", load.opsPerSecond() * LARGE_BYTES / 1e6, "MB/s");
    }
    if (only.contains("failover")) {
      double median = withCluster("failover", this::failover);
      figure("raft.failover.ms", median, "ms");
    }
  }

  private static void figure(String name, double value, String unit) {
    System.out.println(String.format(Locale.ROOT, "%s %.1f %s", name, value, unit));
    System.out.flush();
  }

  static void progress(String message) {
    System.err.println("# " + message);
    System.err.flush();
  }

  // ---------------------------------------------------------------- clusters

  private interface Workload<T> {
    T run(LocalCluster cluster, KeyValueClient client) throws Exception;
  }

  private <T> T withCluster(String name, Workload<T> workload) throws Exception {
    Path root = keep ? Files.createTempDirectory("spindle-raft-") : null;
    LocalCluster cluster = LocalCluster.create(3, root, serverJvm, List.of());
    if (!plaintext) {
      cluster.enableTls();
    }
    running.set(cluster);
    progress(
        name
            + ": starting 3 nodes in "
            + cluster.root()
            + " on "
            + cluster.addresses()
            + (plaintext ? ", plain text" : ", TLS"));
    try {
      cluster.startAll(START_TIMEOUT);
      try (KeyValueClient client =
          new KeyValueClient(
              cluster.addresses(),
              cluster.secret().getBytes(StandardCharsets.UTF_8),
              cluster.clientTls())) {
        client.write(KeyValueStateMachine.put("hello", new byte[1])).get(60, TimeUnit.SECONDS);
        progress(name + ": leader is " + client.leader().orElse("?"));
        return workload.run(cluster, client);
      }
    } catch (Exception | AssertionError e) {
      for (NodeId id : cluster.ids()) {
        progress("log of " + id + " ends with:\n" + cluster.tail(id, 30));
      }
      throw e;
    } finally {
      running.set(null);
      cluster.close(Duration.ofSeconds(5)); // SIGTERM first: nodes shut down cleanly
      if (keep) {
        progress(name + ": data and logs kept in " + cluster.root());
      }
    }
  }

  private void killCluster() {
    LocalCluster c = running.getAndSet(null);
    if (c != null) {
      c.close();
    }
  }

  // ---------------------------------------------------------------- throughput and latency

  record Load(double opsPerSecond, double p50Millis, double p99Millis, long failures) {}

  /**
   * Keeps {@code inFlight} puts of {@code size} bytes outstanding for the warm-up and the measured
   * window; counts the puts that complete inside the window and the latency of those also started
   * in it (the way the Ratis anchor counts).
   */
  private Load measure(KeyValueClient client, int size, int inFlight, int keys) throws Exception {
    byte[][] commands = new byte[keys][];
    SplittableRandom random = new SplittableRandom(42);
    for (int k = 0; k < keys; k++) {
      String key = "k" + k;
      byte[] value = new byte[size - 3 - key.length()];
      for (int i = 0; i < value.length; i++) {
        value[i] = (byte) random.nextInt(256);
      }
      commands[k] = KeyValueStateMachine.put(key, value);
    }
    Semaphore window = new Semaphore(inFlight);
    long start = System.nanoTime();
    long measureStart = start + TimeUnit.SECONDS.toNanos(warmup);
    long measureEnd = measureStart + TimeUnit.SECONDS.toNanos(seconds);
    long[] latencies = new long[1 << 22];
    AtomicInteger samples = new AtomicInteger();
    AtomicLong completedInWindow = new AtomicLong();
    AtomicLong failures = new AtomicLong();
    AtomicReference<Throwable> firstFailure = new AtomicReference<>();
    progress(
        String.format(
            Locale.ROOT,
            "%d-byte puts, %d in flight: warm-up %d s, then %d s measured",
            size,
            inFlight,
            warmup,
            seconds));
    long sent = 0;
    long nextReport = measureStart;
    while (true) {
      window.acquire();
      long s = System.nanoTime();
      if (s - measureEnd >= 0) {
        window.release();
        break;
      }
      if (s - nextReport >= 0) {
        progress(
            String.format(
                Locale.ROOT,
                "  %d s: %d completed in the window so far",
                TimeUnit.NANOSECONDS.toSeconds(s - measureStart),
                completedInWindow.get()));
        nextReport += TimeUnit.SECONDS.toNanos(5);
      }
      sent++;
      client
          .write(commands[(int) (sent % keys)])
          .whenComplete(
              (reply, error) -> {
                long e = System.nanoTime();
                window.release();
                if (error != null) {
                  failures.incrementAndGet();
                  firstFailure.compareAndSet(null, error);
                  return;
                }
                if (e - measureStart >= 0 && e - measureEnd < 0) {
                  completedInWindow.incrementAndGet();
                  if (s - measureStart >= 0) {
                    int i = samples.getAndIncrement();
                    if (i < latencies.length) {
                      latencies[i] = e - s;
                    }
                  }
                }
              });
    }
    if (!window.tryAcquire(inFlight, 60, TimeUnit.SECONDS)) {
      progress("some requests did not complete within 60 s of the end");
    }
    long[] sorted = Arrays.copyOf(latencies, Math.min(samples.get(), latencies.length));
    Arrays.sort(sorted);
    double ops = completedInWindow.get() / (double) seconds;
    progress(
        String.format(
            Locale.ROOT,
            "sent %d, completed in window %d, failures %d%s",
            sent,
            completedInWindow.get(),
            failures.get(),
            firstFailure.get() == null ? "" : " (first: " + firstFailure.get() + ")"));
    if (completedInWindow.get() == 0) {
      throw new IllegalStateException("no request completed in the measured window");
    }
    return new Load(
        ops, percentile(sorted, 0.50) / 1e6, percentile(sorted, 0.99) / 1e6, failures.get());
  }

  private static long percentile(long[] sorted, double q) {
    if (sorted.length == 0) {
      return -1;
    }
    int i = (int) Math.ceil(q * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
  }

  // ---------------------------------------------------------------- failover

  private double failover(LocalCluster cluster, KeyValueClient client) throws Exception {
    byte[] payload = new byte[SMALL_BYTES - 8];
    new SplittableRandom(7).nextBytes(payload);
    List<Double> samples = new ArrayList<>();
    for (int round = 1; round <= rounds; round++) {
      // An idle client with a warm connection to the leader: a few sequential writes.
      KeyValueClient.Reply last = null;
      long warmEnd = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
      int writes = 0;
      while (System.nanoTime() - warmEnd < 0 || last == null) {
        last = client.write(KeyValueStateMachine.put("f", payload)).get(30, TimeUnit.SECONDS);
        writes++;
      }
      String leaderAddress = last.node();
      NodeId leader =
          cluster
              .nodeAt(leaderAddress)
              .orElseThrow(() -> new IllegalStateException("unknown leader " + leaderAddress));
      Process process = cluster.process(leader).orElseThrow();

      long killedAt = System.nanoTime();
      process.destroyForcibly();
      KeyValueClient.Reply after =
          client.write(KeyValueStateMachine.put("f", payload)).get(60, TimeUnit.SECONDS);
      double millis = (System.nanoTime() - killedAt) / 1e6;
      samples.add(millis);
      progress(
          String.format(
              Locale.ROOT,
              "failover round %d: killed leader %s (pid %d) after %d warm writes; %s committed"
                  + " the next write after %.1f ms",
              round,
              leader,
              process.pid(),
              writes,
              after.node(),
              millis));

      cluster.kill(leader); // reaps it
      cluster.start(leader, START_TIMEOUT);
      awaitCaughtUp(cluster, client, leader, round);
    }
    List<Double> sorted = new ArrayList<>(samples);
    sorted.sort(Double::compare);
    int n = sorted.size();
    return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
  }

  /**
   * Writes a marker through the leader, then reads it linearizably at the restarted node: the read
   * succeeds there only once that node has applied the marker.
   */
  private static void awaitCaughtUp(
      LocalCluster cluster, KeyValueClient client, NodeId restarted, int round) throws Exception {
    String key = "caught-up-" + round;
    byte[] marker = ("round " + round).getBytes(StandardCharsets.UTF_8);
    client.write(KeyValueStateMachine.put(key, marker)).get(60, TimeUnit.SECONDS);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (true) {
      byte[] value;
      try {
        value =
            client
                .readAt(cluster.address(restarted), KeyValueStateMachine.get(key))
                .get(15, TimeUnit.SECONDS);
      } catch (Exception e) {
        value = null;
      }
      if (value != null && Arrays.equals(value, marker)) {
        progress("  " + restarted + " restarted and caught up");
        return;
      }
      if (System.nanoTime() - deadline >= 0) {
        throw new IllegalStateException(restarted + " did not catch up within 60 s");
      }
      TimeUnit.MILLISECONDS.sleep(50); // a retry's back-off, not a wait for state
    }
  }
}
