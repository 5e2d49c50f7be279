package io.spindle.bench;

import static io.spindle.bench.FilesBenchOutput.progress;
import static io.spindle.bench.FilesBenchOutput.result;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.Locale;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.regex.Pattern;

/**
 * The raw rates of the MariaDB/MySQL server the nodes store into, beside which {@code bench files}
 * puts the file store's: {@code mariadb.blob.mbps} (200 inserts of a 1 MiB LONGBLOB) and {@code
 * mariadb.row.ops} (2,000 inserts of a 4 KiB row), one per transaction, over JDBC with prepared
 * statements in a scratch schema with a unique name, dropped at the end.
 *
 * <p><b>Threading:</b> one thread, the run's; one connection at a time; blocks on the database.
 */
final class RawDatabaseRates {
  private static final Pattern SCHEMA_NAME = Pattern.compile("[a-z0-9_]+");
  private static final int MIB = 1 << 20;
  private static final int BLOB_COUNT = 200;
  private static final int BLOB_BYTES = MIB;
  private static final int ROW_COUNT = 2_000;
  private static final int ROW_BYTES = 4096;

  private final String dbUrl;
  private final String dbUser;
  private final String dbPassword;
  private final Set<String> only;
  private final String runId;
  private final long deadlineNanos;

  /**
   * @param only which of {@code blob} and {@code row} to measure (other names are ignored)
   * @param runId names the scratch schema
   * @param deadlineNanos the end of the whole run ({@link System#nanoTime})
   */
  RawDatabaseRates(
      String dbUrl,
      String dbUser,
      String dbPassword,
      Set<String> only,
      String runId,
      long deadlineNanos) {
    this.dbUrl = dbUrl;
    this.dbUser = dbUser;
    this.dbPassword = dbPassword;
    this.only = only;
    this.runId = runId;
    this.deadlineNanos = deadlineNanos;
  }

  /** Measures the raw inserts in a scratch schema; returns mariadb.blob.mbps (NaN if skipped). */
  double measure() throws BenchException {
    String schema = "spindle_bench_" + runId.toLowerCase(Locale.ROOT);
    if (!SCHEMA_NAME.matcher(schema).matches()) {
      throw new BenchException("bad scratch schema name " + schema);
    }
    double blobMbps = Double.NaN;
    try (Connection c = connect()) {
      exec(c, "CREATE DATABASE " + schema + " CHARACTER SET utf8mb4 COLLATE utf8mb4_bin");
      try {
        exec(
            c,
            "CREATE TABLE "
                + schema
                + ".blobs (id BIGINT NOT NULL PRIMARY KEY, data LONGBLOB NOT NULL) ENGINE=InnoDB");
        exec(
            c,
            "CREATE TABLE "
                + schema
                + ".rows4k (id BIGINT NOT NULL PRIMARY KEY, data BLOB NOT NULL) ENGINE=InnoDB");
        if (only.contains("blob")) {
          insertMany(c, schema + ".blobs", 10, BLOB_BYTES, 0);
          progress("blob: %d inserts of %d MiB, one per transaction", BLOB_COUNT, BLOB_BYTES / MIB);
          double seconds = insertMany(c, schema + ".blobs", BLOB_COUNT, BLOB_BYTES, 1_000);
          blobMbps = (double) BLOB_COUNT * BLOB_BYTES / 1e6 / seconds;
          result("mariadb.blob.mbps", blobMbps, "MB/s");
        }
        if (only.contains("row")) {
          insertMany(c, schema + ".rows4k", 100, ROW_BYTES, 0);
          progress("row: %d inserts of %d KiB, one per transaction", ROW_COUNT, ROW_BYTES / 1024);
          double seconds = insertMany(c, schema + ".rows4k", ROW_COUNT, ROW_BYTES, 100_000);
          result("mariadb.row.ops", ROW_COUNT / seconds, "ops/s");
        }
      } finally {
        c.setAutoCommit(true);
        exec(c, "DROP DATABASE IF EXISTS " + schema);
        progress("dropped the scratch schema %s", schema);
      }
    } catch (SQLException e) {
      throw new BenchException(
          "the database at "
              + dbUrl
              + " failed: "
              + e.getMessage()
              + " (scratch schema "
              + schema
              + " is dropped if it was created and the connection still works)",
          e);
    }
    return blobMbps;
  }

  /** Inserts {@code count} rows, one per transaction; returns the elapsed seconds. */
  private double insertMany(Connection c, String table, int count, int size, long firstId)
      throws SQLException, BenchException {
    return timedInserts(
        c,
        "INSERT INTO " + table + " (id, data) VALUES (?, ?)",
        count,
        size,
        deadlineNanos,
        (insert, i, data) -> {
          insert.setLong(1, firstId + i);
          insert.setBytes(2, data);
        });
  }

  /** Binds row {@code i} and its random bytes to the insert. */
  interface RowBinder {
    void bind(PreparedStatement insert, int i, byte[] data) throws SQLException;
  }

  /**
   * Executes {@code sql} {@code count} times, one per transaction, each with {@code size} fresh
   * random bytes bound by {@code binder}; returns the elapsed seconds.
   */
  static double timedInserts(
      Connection c, String sql, int count, int size, long deadlineNanos, RowBinder binder)
      throws SQLException, BenchException {
    SplittableRandom random = new SplittableRandom();
    byte[] data = new byte[size];
    c.setAutoCommit(false);
    long start = System.nanoTime();
    try (PreparedStatement insert = c.prepareStatement(sql)) {
      for (int i = 0; i < count; i++) {
        BenchException.checkDeadline(deadlineNanos);
        FilesBench.fill(random, data);
        binder.bind(insert, i, data);
        insert.executeUpdate();
        c.commit();
      }
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    c.setAutoCommit(true);
    return seconds;
  }

  /** A connection to the database under test (no TLS unless the URL asks otherwise). */
  Connection connect() throws SQLException {
    String url = dbUrl;
    if (!url.contains("?")) {
      url += "?sslMode=DISABLED&allowPublicKeyRetrieval=true";
    }
    DriverManager.setLoginTimeout(10);
    return DriverManager.getConnection(url, dbUser, dbPassword);
  }

  /** DDL on identifiers validated against [a-z0-9_]+ (identifiers cannot be bound). */
  private static void exec(Connection c, String sql) throws SQLException {
    try (PreparedStatement statement = c.prepareStatement(sql)) {
      statement.execute();
    }
  }
}
