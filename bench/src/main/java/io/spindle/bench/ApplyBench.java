package io.spindle.bench;

import com.google.protobuf.ByteString;
import io.spindle.node.domain.Sha256;
import io.spindle.node.infrastructure.store.FileStoreStateMachine;
import io.spindle.node.infrastructure.store.StoreSettings;
import io.spindle.node.infrastructure.store.TestDatabase;
import io.spindle.protocol.node.CommandResult;
import io.spindle.protocol.node.FileRecord;
import io.spindle.protocol.node.NodeCommand;
import io.spindle.protocol.node.StoreFile;
import io.spindle.raft.Entry;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.OptionalLong;
import java.util.Properties;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * {@code bin/spindle bench apply}: the node's state machine alone, in this process, applying small
 * files (4 KiB {@code StoreFile} entries, built as the node builds a client's write) in batches of
 * {@code --batch} entries, the way the Raft apply thread hands them over; and beside it, in the
 * same run, the raw-JDBC floor of the same rows: per entry one {@code files} row, one inline 4 KiB
 * {@code chunks} row and one {@code applied_requests} row, per batch one {@code raft_applied}
 * update and one commit, as plain prepared-statement batches on the same schema and database
 * options.
 *
 * <p>On the embedded database (H2 in files with the node's options) and on the local MariaDB
 * (127.0.0.1:3306, root, no password; a scratch schema per round, dropped after it). Each database
 * gets {@code --warmup} rounds of both (default 3), then {@code --rounds} rounds of each,
 * alternating, each on a fresh schema; the figures are the medians of the rounds.
 *
 * <p>CPU is this process's CPU time (every thread: apply, JIT, GC, H2's writer) plus, on MariaDB,
 * the server's CPU time when its process is on this machine and readable ({@code /proc/PID/stat} of
 * {@code @@pid_file}): what an entry costs the machine, whatever the other load on it.
 *
 * <p>Standard output: one {@code NAME VALUE UNIT DATABASE} line per figure — {@code
 * apply.small.us_per_entry} (CPU µs per entry), {@code apply.small.entries_per_s}, {@code
 * apply.raw.us_per_entry}, {@code apply.raw.entries_per_s}, {@code apply.ratio} (small / raw CPU
 * per entry), and on MariaDB the split of each CPU figure into {@code .jvm_us_per_entry} and {@code
 * .server_us_per_entry}. Progress goes to standard error.
 *
 * <p>Options: {@code --db h2,mariadb} (default both), {@code --entries N} (per round, default
 * 20,000), {@code --batch N} (default 256), {@code --rounds N} (default 3), {@code --warmup N}
 * (default 3).
 */
public final class ApplyBench {
  private static final int FILE_BYTES = 4096;
  private static final long TERM = 1;
  private static final long STORED_AT = 1_767_225_600_000L;

  private final int entries;
  private final int batch;
  private final int rounds;
  private final int warmups;
  private final List<Entry> log;
  private final List<RawRow> rawRows;

  private ApplyBench(int entries, int batch, int rounds, int warmups) {
    this.entries = entries;
    this.batch = batch;
    this.rounds = rounds;
    this.warmups = warmups;
    this.log = new ArrayList<>(entries);
    this.rawRows = new ArrayList<>(entries);
    SplittableRandom random = new SplittableRandom(20);
    for (int i = 0; i < entries; i++) {
      byte[] content = new byte[FILE_BYTES];
      FilesBench.fill(random, content);
      byte[] name = ("bench/apply/" + i + ".txt").getBytes(StandardCharsets.UTF_8);
      String requestId = UUID.nameUUIDFromBytes(name).toString();
      long index = i + 1;
      StoreFile store =
          StoreFile.newBuilder()
              .setName(ByteString.copyFrom(name))
              .setSha256(ByteString.copyFrom(Sha256.of(content)))
              .setData(ByteString.copyFrom(content))
              .setRequestId(requestId)
              .setStoredAtMillis(STORED_AT)
              .build();
      log.add(
          Entry.command(
              index, TERM, NodeCommand.newBuilder().setStoreFile(store).build().toByteArray()));
      rawRows.add(RawRow.of(name, content, requestId, index));
    }
  }

  public static void main(String[] args) {
    List<TestDatabase.Kind> kinds = List.of(TestDatabase.Kind.H2, TestDatabase.Kind.MARIADB);
    int entries = 20_000;
    int batch = 256;
    int rounds = 3;
    int warmups = 3;
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
          case "--db" -> kinds = parseKinds(value);
          case "--entries" -> entries = positive(arg, value, 1_000, 1_000_000);
          case "--batch" -> batch = positive(arg, value, 1, 100_000);
          case "--rounds" -> rounds = positive(arg, value, 1, 99);
          case "--warmup" -> warmups = positive(arg, value, 0, 99);
          default -> throw new IllegalArgumentException("unknown option " + arg);
        }
      }
    } catch (IllegalArgumentException e) {
      System.err.println("apply bench: " + e.getMessage());
      System.err.println(usage());
      System.exit(64);
      return;
    }
    // Flyway reports every scratch schema it migrates: not this bench's output.
    java.util.logging.Logger.getLogger("org.flywaydb").setLevel(java.util.logging.Level.WARNING);
    int status = 0;
    try {
      ApplyBench bench = new ApplyBench(entries, batch, rounds, warmups);
      for (TestDatabase.Kind kind : kinds) {
        bench.measure(kind);
      }
    } catch (BenchException e) {
      System.err.println("apply bench: " + e.getMessage());
      status = 1;
    }
    System.exit(status);
  }

  private static String usage() {
    return "usage: bin/spindle bench apply [--db h2,mariadb] [--entries N] [--batch N]"
        + " [--rounds N] [--warmup N]";
  }

  private static List<TestDatabase.Kind> parseKinds(String value) {
    List<TestDatabase.Kind> kinds = new ArrayList<>();
    for (String name : value.split(",")) {
      switch (name) {
        case "h2" -> kinds.add(TestDatabase.Kind.H2);
        case "mariadb" -> kinds.add(TestDatabase.Kind.MARIADB);
        default ->
            throw new IllegalArgumentException("--db takes h2, mariadb or both, got " + name);
      }
    }
    return kinds;
  }

  private static int positive(String option, String value, int min, int max) {
    int n;
    try {
      n = Integer.parseInt(value);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(option + " takes a whole number, got " + value);
    }
    if (n < min || n > max) {
      throw new IllegalArgumentException(option + " is " + min + ".." + max + ", got " + n);
    }
    return n;
  }

  // ---------------------------------------------------------------- one database

  private void measure(TestDatabase.Kind kind) throws BenchException {
    String db = kind.name().toLowerCase(Locale.ROOT);
    progress(
        "%s: %d entries of %d bytes per round, batches of %d, %d rounds after %d warm-up rounds",
        db, entries, FILE_BYTES, batch, rounds, warmups);
    // Warm-up: the JIT compiles both paths before they are measured (its threads' CPU counts in
    // the process's; a single round left the first measured rounds visibly slower).
    for (int w = 0; w < warmups; w++) {
      round(kind, true, entries);
      round(kind, false, entries);
    }
    List<Figures> small = new ArrayList<>();
    List<Figures> raw = new ArrayList<>();
    for (int r = 0; r < rounds; r++) {
      small.add(round(kind, true, entries));
      raw.add(round(kind, false, entries));
      progress(
          "%s round %d: state machine %.1f us/entry, raw JDBC %.1f us/entry",
          db, r + 1, small.get(r).usPerEntry(), raw.get(r).usPerEntry());
    }
    Figures s = Figures.median(small);
    Figures w = Figures.median(raw);
    result("apply.small.us_per_entry", s.usPerEntry(), "us", db);
    result("apply.small.entries_per_s", s.entriesPerSecond(), "entries/s", db);
    result("apply.raw.us_per_entry", w.usPerEntry(), "us", db);
    result("apply.raw.entries_per_s", w.entriesPerSecond(), "entries/s", db);
    result("apply.ratio", s.usPerEntry() / w.usPerEntry(), "small/raw", db);
    if (kind == TestDatabase.Kind.MARIADB) {
      result("apply.small.jvm_us_per_entry", s.jvmUsPerEntry(), "us", db);
      result("apply.small.server_us_per_entry", s.serverUsPerEntry(), "us", db);
      result("apply.raw.jvm_us_per_entry", w.jvmUsPerEntry(), "us", db);
      result("apply.raw.server_us_per_entry", w.serverUsPerEntry(), "us", db);
    }
  }

  /** One round on a fresh schema: the state machine ({@code small}) or the raw JDBC batches. */
  private Figures round(TestDatabase.Kind kind, boolean small, int count) throws BenchException {
    Path dir = null;
    TestDatabase database = null;
    try {
      if (kind == TestDatabase.Kind.H2) {
        dir = Files.createTempDirectory("spindle-apply-bench");
        database = TestDatabase.createH2Files(dir);
      } else {
        database = TestDatabase.create(kind);
      }
      ServerCpu server =
          kind == TestDatabase.Kind.MARIADB ? ServerCpu.of(database) : ServerCpu.NONE;
      return small
          ? applyByStateMachine(database, server, count)
          : applyByJdbc(database, server, count);
    } catch (IOException | SQLException | RuntimeException e) {
      throw new BenchException(
          "the " + (small ? "state machine" : "raw JDBC") + " round on " + kind + " failed: " + e,
          e);
    } finally {
      if (database != null) {
        database.close();
      }
      if (dir != null) {
        deleteTree(dir);
      }
    }
  }

  private Figures applyByStateMachine(TestDatabase database, ServerCpu server, int count)
      throws IOException {
    FileStoreStateMachine machine = database.stateMachine(StoreSettings.defaults());
    System.gc();
    Meter meter = Meter.start(server);
    for (int at = 0; at < count; at += batch) {
      List<byte[]> results = machine.apply(log.subList(at, Math.min(count, at + batch)));
      if (at == 0) {
        CommandResult first = CommandResult.parseFrom(results.get(0));
        if (first.getStatus() != CommandResult.Status.OK) {
          throw new IllegalStateException("the first write was not stored: " + first);
        }
      }
    }
    Figures figures = meter.stop(count);
    if (machine.appliedIndex() != count) {
      throw new IllegalStateException("applied " + machine.appliedIndex() + " of " + count);
    }
    return figures;
  }

  private Figures applyByJdbc(TestDatabase database, ServerCpu server, int count)
      throws SQLException {
    Properties options = new Properties();
    options.setProperty("user", "root");
    options.setProperty("password", "");
    options.setProperty("rewriteBatchedStatements", "true"); // MySQL's driver only; H2 ignores it
    try (Connection c = DriverManager.getConnection(database.url(), options);
        PreparedStatement files =
            c.prepareStatement(
                "INSERT INTO files (name_hash, name, size_bytes, sha256, chunk_count, upload_id,"
                    + " stored_at_millis, commit_index) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
        PreparedStatement chunks =
            c.prepareStatement(
                "INSERT INTO chunks (upload_id, chunk_index, sha256, size_bytes, data)"
                    + " VALUES (?, ?, ?, ?, ?)");
        PreparedStatement requests =
            c.prepareStatement(
                "INSERT INTO applied_requests (request_id, log_index, result) VALUES (?, ?, ?)");
        PreparedStatement applied =
            c.prepareStatement(
                "UPDATE raft_applied SET applied_index = ?, applied_term = ? WHERE id = 1")) {
      c.setAutoCommit(false);
      System.gc();
      Meter meter = Meter.start(server);
      for (int at = 0; at < count; at += batch) {
        int end = Math.min(count, at + batch);
        for (RawRow row : rawRows.subList(at, end)) {
          files.setString(1, row.nameHash());
          files.setBytes(2, row.name());
          files.setLong(3, row.content().length);
          files.setString(4, row.sha256());
          files.setInt(5, 1);
          files.setString(6, row.uploadId());
          files.setLong(7, STORED_AT);
          files.setLong(8, row.index());
          files.addBatch();
          chunks.setString(1, row.uploadId());
          chunks.setInt(2, 0);
          chunks.setString(3, row.sha256());
          chunks.setInt(4, row.content().length);
          chunks.setBytes(5, row.content());
          chunks.addBatch();
          requests.setString(1, row.requestId());
          requests.setLong(2, row.index());
          requests.setBytes(3, row.result());
          requests.addBatch();
        }
        files.executeBatch();
        chunks.executeBatch();
        requests.executeBatch();
        applied.setLong(1, end);
        applied.setLong(2, TERM);
        applied.executeUpdate();
        c.commit();
      }
      Figures figures = meter.stop(count);
      try (Statement s = c.createStatement();
          ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM files")) {
        rs.next();
        if (rs.getLong(1) != count) {
          throw new IllegalStateException("wrote " + rs.getLong(1) + " files of " + count);
        }
      }
      return figures;
    }
  }

  /** The rows one small file becomes, computed before the raw round starts. */
  private record RawRow(
      byte[] name,
      String nameHash,
      byte[] content,
      String sha256,
      String uploadId,
      String requestId,
      long index,
      byte[] result) {
    static RawRow of(byte[] name, byte[] content, String requestId, long index) {
      String sha256 = Sha256.hex(Sha256.of(content));
      String uploadId = "@" + index;
      byte[] result =
          CommandResult.newBuilder()
              .setStatus(CommandResult.Status.OK)
              .setRequestFingerprint(ByteString.copyFrom(Sha256.of(name)))
              .setFile(
                  FileRecord.newBuilder()
                      .setName(ByteString.copyFrom(name))
                      .setSize(content.length)
                      .setSha256(ByteString.copyFrom(Sha256.of(content)))
                      .setChunkCount(1)
                      .setUploadId(uploadId)
                      .setStoredAtMillis(STORED_AT)
                      .setCommitIndex(index))
              .build()
              .toByteArray();
      return new RawRow(
          name, Sha256.hex(Sha256.of(name)), content, sha256, uploadId, requestId, index, result);
    }
  }

  // ---------------------------------------------------------------- measuring

  /** CPU per entry (this process's, plus the server's) and entries per wall-clock second. */
  private record Figures(double jvmUsPerEntry, double serverUsPerEntry, double entriesPerSecond) {
    double usPerEntry() {
      return jvmUsPerEntry + serverUsPerEntry;
    }

    static Figures median(List<Figures> rounds) {
      List<Figures> sorted =
          rounds.stream().sorted(Comparator.comparingDouble(Figures::usPerEntry)).toList();
      Figures middle = sorted.get(sorted.size() / 2);
      double[] rates = rounds.stream().mapToDouble(Figures::entriesPerSecond).sorted().toArray();
      return new Figures(
          middle.jvmUsPerEntry(), middle.serverUsPerEntry(), rates[rates.length / 2]);
    }
  }

  private record Meter(ServerCpu server, long jvmNanos, long serverNanos, long wallNanos) {
    static Meter start(ServerCpu server) {
      return new Meter(server, processCpuNanos(), server.nanos(), System.nanoTime());
    }

    Figures stop(int count) {
      long wall = System.nanoTime() - wallNanos;
      long jvm = processCpuNanos() - jvmNanos;
      long db = server.nanos() - serverNanos;
      return new Figures(jvm / 1e3 / count, db / 1e3 / count, count / (wall / 1e9));
    }

    private static long processCpuNanos() {
      return ((com.sun.management.OperatingSystemMXBean)
              ManagementFactory.getOperatingSystemMXBean())
          .getProcessCpuTime();
    }
  }

  /** The database server's CPU time, when it runs on this machine and its process is readable. */
  private record ServerCpu(OptionalLong pid) {
    static final ServerCpu NONE = new ServerCpu(OptionalLong.empty());
    private static final double TICKS_PER_SECOND = 100; // USER_HZ on Linux

    static ServerCpu of(TestDatabase database) throws SQLException, IOException {
      try (Connection c = database.connect();
          Statement s = c.createStatement();
          ResultSet rs = s.executeQuery("SELECT @@pid_file")) {
        rs.next();
        Path pidFile = Path.of(rs.getString(1));
        if (!Files.isReadable(pidFile)) {
          progress("cannot read %s: the server's CPU is not counted", pidFile);
          return NONE;
        }
        return new ServerCpu(OptionalLong.of(Long.parseLong(Files.readString(pidFile).trim())));
      }
    }

    /** utime + stime of the server's process, in nanoseconds (0 when not known). */
    long nanos() {
      if (pid.isEmpty()) {
        return 0;
      }
      try {
        String stat = Files.readString(Path.of("/proc/" + pid.getAsLong() + "/stat"));
        // Fields after the command name (which may hold spaces) start after the last ')'.
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        long ticks = Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
        return (long) (ticks / TICKS_PER_SECOND * 1e9);
      } catch (IOException e) {
        throw new IllegalStateException("cannot read the server's CPU time: " + e, e);
      }
    }
  }

  // ---------------------------------------------------------------- output

  private static void result(String name, double value, String unit, String database) {
    System.out.printf(Locale.ROOT, "%s %.1f %s %s%n", name, value, unit, database);
    System.out.flush();
  }

  private static void progress(String format, Object... args) {
    System.err.printf(Locale.ROOT, "[apply-bench] " + format + "%n", args);
  }

  private static void deleteTree(Path dir) {
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      progress("could not delete %s: %s", dir, e);
    }
  }
}
