package io.spindle.bench;

import static io.spindle.bench.FilesBenchOutput.progress;
import static io.spindle.bench.FilesBenchOutput.result;

import java.net.URI;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Queue;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code bin/spindle bench files}: the file store of a <em>running</em> cluster, and beside it the
 * raw rates of the database its nodes store into: the MariaDB/MySQL server, or with {@code --db
 * embedded} a scratch H2 database like the nodes' own ({@link EmbeddedRawRates}).
 *
 * <ul>
 *   <li>{@code files.large.mbps}: 100 PUTs of 10 MiB, 4 in flight (MB = 10^6 bytes);
 *   <li>{@code files.small.ops}: 2,000 PUTs of 4 KiB, 64 in flight;
 *   <li>{@code mariadb.blob.mbps}: 200 inserts of a 1 MiB LONGBLOB, one per transaction, also
 *       printed as {@code files.raw.mbps}, the raw floor;
 *   <li>{@code mariadb.row.ops}: 2,000 inserts of a 4 KiB row, one per transaction;
 *   <li>with {@code --db embedded}: {@code files.raw.mbps}, 200 inserts of a 1 MiB chunk row into a
 *       scratch H2 database with the nodes' schema and options in the run dir ({@code
 *       spindle.bench.scratch}, which {@code bin/spindle} sets; the nodes' disk), and {@code
 *       h2.row.ops}, 2,000 of a 4 KiB one.
 * </ul>
 *
 * Every PUT is acknowledged ({@code 201}/{@code 200}) only after its commit applied. The client
 * speaks HTTP/1.1 to the leader (found through {@code GET /api/cluster}) and follows a {@code 307}
 * when leadership moved. The raw database rates are measured over JDBC with prepared statements in
 * a scratch schema with a unique name, dropped at the end; the files the benchmark wrote are
 * deleted at the end. Standard output carries one {@code NAME VALUE UNIT} line per figure; progress
 * goes to standard error.
 *
 * <p>Options: {@code --servers URL,...} (default the {@code bin/spindle up} cluster on
 * 127.0.0.1:3000-3002), {@code --db JDBC-URL} (default {@code jdbc:mysql://127.0.0.1:3306/}),
 * {@code embedded} for the scratch H2 database), {@code --db-user} (default {@code root}), {@code
 * --db-password} (default empty), {@code --only large,small,blob,row}, {@code --timeout SECONDS}
 * (the whole run, default 900).
 */
public final class FilesBench {
  private static final List<URI> DEFAULT_SERVERS =
      List.of(
          URI.create("http://127.0.0.1:3000"),
          URI.create("http://127.0.0.1:3001"),
          URI.create("http://127.0.0.1:3002"));
  private static final String DEFAULT_DB = "jdbc:mysql://127.0.0.1:3306/";
  private static final String EMBEDDED = "embedded";

  private static final int MIB = 1 << 20;
  private static final int LARGE_COUNT = 100;
  private static final int LARGE_BYTES = 10 * MIB;
  private static final int LARGE_IN_FLIGHT = 4;
  private static final int SMALL_COUNT = 2_000;
  private static final int SMALL_BYTES = 4096;
  private static final int SMALL_IN_FLIGHT = 64;
  private static final int DELETE_IN_FLIGHT = 16;

  private final String dbUrl;
  private final String dbUser;
  private final RawDatabaseRates database;
  private final EmbeddedRawRates embedded;
  private final Set<String> only;
  private final long deadlineNanos;
  private final String runId;
  private final FilesClient client;
  private final Queue<String> written = new ConcurrentLinkedQueue<>();

  private FilesBench(
      List<URI> servers,
      String dbUrl,
      String dbUser,
      String dbPassword,
      Set<String> only,
      Duration timeout) {
    this.dbUrl = dbUrl;
    this.dbUser = dbUser;
    this.only = Set.copyOf(only);
    this.deadlineNanos = System.nanoTime() + timeout.toNanos();
    this.runId =
        Long.toString(System.currentTimeMillis(), 36)
            + HexFormat.of().toHexDigits((short) ThreadLocalRandom.current().nextInt());
    this.client = new FilesClient(servers, runId, deadlineNanos, daemon("files-bench-http"));
    this.database =
        new RawDatabaseRates(dbUrl, dbUser, dbPassword, this.only, runId, deadlineNanos);
    this.embedded =
        EMBEDDED.equals(dbUrl)
            ? new EmbeddedRawRates(
                Path.of(System.getProperty("spindle.bench.scratch", "run")),
                this.only,
                deadlineNanos)
            : null;
  }

  public static void main(String[] args) {
    List<URI> servers = DEFAULT_SERVERS;
    String db = DEFAULT_DB;
    String user = "root";
    String password = "";
    Set<String> only = new LinkedHashSet<>(List.of("large", "small", "blob", "row"));
    int timeoutSeconds = 900;
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
          case "--servers":
            servers = parseServers(value);
            break;
          case "--db":
            db = value;
            break;
          case "--db-user":
            user = value;
            break;
          case "--db-password":
            password = value;
            break;
          case "--only":
            only = new LinkedHashSet<>(Arrays.asList(value.split(",")));
            if (!Set.of("large", "small", "blob", "row").containsAll(only)) {
              throw new IllegalArgumentException("--only takes large,small,blob,row");
            }
            break;
          case "--timeout":
            timeoutSeconds = Integer.parseInt(value);
            if (timeoutSeconds < 10 || timeoutSeconds > 7200) {
              throw new IllegalArgumentException("--timeout is 10..7200 seconds");
            }
            break;
          default:
            throw new IllegalArgumentException("unknown option " + arg);
        }
      }
    } catch (IllegalArgumentException e) {
      System.err.println("files bench: " + e.getMessage());
      System.err.println(usage());
      System.exit(64);
      return;
    }
    FilesBench bench =
        new FilesBench(servers, db, user, password, only, Duration.ofSeconds(timeoutSeconds));
    int status;
    try {
      status = bench.run();
    } catch (BenchException e) {
      System.err.println("files bench: " + e.getMessage());
      status = 1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      System.err.println("files bench: interrupted");
      status = 130;
    }
    System.exit(status);
  }

  private static String usage() {
    return "usage: bin/spindle bench files [--servers http://127.0.0.1:3000,...]"
        + " [--db jdbc-url|embedded --db-user U --db-password P] [--only large,small,blob,row]"
        + " [--timeout SECONDS]";
  }

  private static List<URI> parseServers(String value) {
    List<URI> result = new ArrayList<>();
    for (String part : value.split(",")) {
      String s = part.trim();
      if (s.isEmpty()) {
        continue;
      }
      URI uri = URI.create(s.endsWith("/") ? s.substring(0, s.length() - 1) : s);
      if (!"http".equals(uri.getScheme()) || uri.getHost() == null) {
        throw new IllegalArgumentException("not an http URL: " + s);
      }
      if (!FilesClient.isLoopback(uri.getHost())) {
        throw new IllegalArgumentException(
            "the benchmark only talks to nodes on this machine (127.0.0.1, localhost): " + s);
      }
      result.add(uri);
    }
    if (result.isEmpty()) {
      throw new IllegalArgumentException("--servers is empty");
    }
    return result;
  }

  private int run() throws BenchException, InterruptedException {
    boolean files = only.contains("large") || only.contains("small");
    boolean raw = only.contains("blob") || only.contains("row");
    if (files) {
      URI l = client.findLeader();
      progress("leader at %s; run %s", l, runId);
    }
    if (raw && embedded == null) {
      try (Connection c = database.connect()) {
        progress("database %s answers: %s", dbUrl, c.getMetaData().getDatabaseProductVersion());
      } catch (SQLException e) {
        throw new BenchException(
            "no database answers at " + dbUrl + " as " + dbUser + ": " + e.getMessage(), e);
      }
    }
    double largeMbps = Double.NaN;
    try {
      if (only.contains("large")) {
        progress("warm-up: %d files of %d MiB", LARGE_IN_FLIGHT, LARGE_BYTES / MIB);
        putMany("warm/large", LARGE_IN_FLIGHT, LARGE_BYTES, LARGE_IN_FLIGHT);
        progress(
            "large: %d files of %d MiB, %d in flight",
            LARGE_COUNT, LARGE_BYTES / MIB, LARGE_IN_FLIGHT);
        double seconds = putMany("large", LARGE_COUNT, LARGE_BYTES, LARGE_IN_FLIGHT);
        largeMbps = (double) LARGE_COUNT * LARGE_BYTES / 1e6 / seconds;
        result("files.large.mbps", largeMbps, "MB/s");
      }
      if (only.contains("small")) {
        progress("warm-up: %d files of %d KiB", SMALL_IN_FLIGHT, SMALL_BYTES / 1024);
        putMany("warm/small", SMALL_IN_FLIGHT, SMALL_BYTES, SMALL_IN_FLIGHT);
        progress(
            "small: %d files of %d KiB, %d in flight",
            SMALL_COUNT, SMALL_BYTES / 1024, SMALL_IN_FLIGHT);
        double seconds = putMany("small", SMALL_COUNT, SMALL_BYTES, SMALL_IN_FLIGHT);
        result("files.small.ops", SMALL_COUNT / seconds, "ops/s");
      }
    } finally {
      if (files) {
        deleteWritten();
      }
    }
    if (raw) {
      double rawMbps;
      if (embedded != null) {
        rawMbps = embedded.measure();
      } else {
        rawMbps = database.measure();
        if (!Double.isNaN(rawMbps)) {
          result("files.raw.mbps", rawMbps, "MB/s");
        }
      }
      if (!Double.isNaN(largeMbps) && !Double.isNaN(rawMbps)) {
        double target = 0.5 * rawMbps / 3;
        progress(
            "files.large.mbps %.1f is %.0f%% of raw %.1f / 3 (target 50%%, %.1f MB/s): %s",
            largeMbps,
            100 * largeMbps / (rawMbps / 3),
            rawMbps,
            target,
            largeMbps >= target ? "met" : "NOT met");
      }
    }
    return 0;
  }

  // ---------------------------------------------------------------- files

  /** PUTs {@code count} files of {@code size} random bytes; returns the elapsed seconds. */
  private double putMany(String kind, int count, int size, int inFlight)
      throws BenchException, InterruptedException {
    AtomicInteger next = new AtomicInteger();
    AtomicInteger done = new AtomicInteger();
    ExecutorService workers = Executors.newFixedThreadPool(inFlight, daemon("files-bench-put"));
    long start = System.nanoTime();
    List<Future<Void>> futures = new ArrayList<>();
    for (int w = 0; w < inFlight; w++) {
      futures.add(
          workers.submit(
              () -> {
                SplittableRandom random =
                    new SplittableRandom(ThreadLocalRandom.current().nextLong());
                byte[] body = new byte[size];
                for (int i = next.getAndIncrement(); i < count; i = next.getAndIncrement()) {
                  fill(random, body);
                  String name = String.format(Locale.ROOT, "bench/%s/%s/%05d", runId, kind, i);
                  client.put(name, body);
                  written.add(name);
                  int d = done.incrementAndGet();
                  if (count >= 100 && d % (count / 10) == 0) {
                    progress("  %s: %d/%d", kind, d, count);
                  }
                }
                return null;
              }));
    }
    try {
      for (Future<Void> f : futures) {
        long left = deadlineNanos - System.nanoTime();
        try {
          f.get(Math.max(left, 1), TimeUnit.NANOSECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
          throw new BenchException("the run took longer than --timeout; stopped", e);
        } catch (java.util.concurrent.ExecutionException e) {
          Throwable cause = e.getCause();
          if (cause instanceof BenchException) {
            throw (BenchException) cause;
          }
          throw new BenchException("a PUT failed: " + cause, cause);
        }
      }
    } finally {
      workers.shutdownNow();
      workers.awaitTermination(30, TimeUnit.SECONDS);
    }
    return (System.nanoTime() - start) / 1e9;
  }

  /** Fills {@code body} with random bytes (whole longs; a tail under 8 bytes stays as it was). */
  static void fill(SplittableRandom random, byte[] body) {
    for (int i = 0; i + 8 <= body.length; i += 8) {
      long v = random.nextLong();
      for (int b = 0; b < 8; b++) {
        body[i + b] = (byte) (v >>> (b * 8));
      }
    }
  }

  private void deleteWritten() throws InterruptedException {
    List<String> names = new ArrayList<>(written);
    if (names.isEmpty()) {
      return;
    }
    progress("deleting the %d files written", names.size());
    ExecutorService workers =
        Executors.newFixedThreadPool(DELETE_IN_FLIGHT, daemon("files-bench-delete"));
    AtomicInteger failed = new AtomicInteger();
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
    for (String name : names) {
      workers.execute(
          () -> {
            if (System.nanoTime() > deadline || !client.delete(name)) {
              failed.incrementAndGet();
            }
          });
    }
    workers.shutdown();
    if (!workers.awaitTermination(6, TimeUnit.MINUTES)) {
      workers.shutdownNow();
    }
    if (failed.get() > 0) {
      progress(
          "could not delete %d of the files under bench/%s/ (delete them with DELETE"
              + " /api/files/...)",
          failed.get(), runId);
    }
  }

  private static java.util.concurrent.ThreadFactory daemon(String name) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, name + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }
}
