package io.spindle.bench;

import static io.spindle.bench.FilesBenchOutput.progress;
import static io.spindle.bench.FilesBenchOutput.result;

import io.spindle.node.infrastructure.runtime.DatabaseSettings;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.Comparator;
import java.util.Set;
import java.util.stream.Stream;
import org.flywaydb.core.Flyway;

/**
 * The raw floor of the embedded database, beside which {@code bench files --db embedded} puts the
 * file store's: plain JDBC inserts into the {@code chunks} table of a scratch H2 database with the
 * nodes' schema (Flyway, {@code db/migration}) and the nodes' H2 options, in a new directory under
 * {@code scratchParent} (on the disk the nodes store on), removed at the end. {@code
 * files.raw.mbps}: 200 rows of 1 MiB; {@code h2.row.ops}: 2,000 rows of 4 KiB; one per transaction.
 *
 * <p><b>Threading:</b> one thread, the run's; one connection; blocks on the disk.
 */
final class EmbeddedRawRates {
  private static final int MIB = 1 << 20;
  private static final int BLOB_COUNT = 200;
  private static final int ROW_COUNT = 2_000;
  private static final int ROW_BYTES = 4096;

  private final Path scratchParent;
  private final Set<String> only;
  private final long deadlineNanos;

  /**
   * @param only which of {@code blob} and {@code row} to measure (other names are ignored)
   * @param deadlineNanos the end of the whole run ({@link System#nanoTime})
   */
  EmbeddedRawRates(Path scratchParent, Set<String> only, long deadlineNanos) {
    this.scratchParent = scratchParent;
    this.only = only;
    this.deadlineNanos = deadlineNanos;
  }

  /** Measures the raw inserts; returns files.raw.mbps (NaN if skipped). */
  double measure() throws BenchException {
    Path dir;
    try {
      Files.createDirectories(scratchParent);
      dir = Files.createTempDirectory(scratchParent, "bench-raw-");
    } catch (IOException e) {
      throw new BenchException("cannot make a scratch directory in " + scratchParent + ": " + e, e);
    }
    String url =
        "jdbc:h2:file:" + dir.toAbsolutePath().resolve("raw") + DatabaseSettings.H2_OPTIONS;
    double blobMbps = Double.NaN;
    try {
      Flyway.configure()
          .dataSource(url, "bench", "bench")
          .locations("classpath:db/migration")
          .load()
          .migrate();
      try (Connection c = DriverManager.getConnection(url, "bench", "bench")) {
        progress("embedded H2 in %s, the nodes' schema and options", dir);
        if (only.contains("blob")) {
          insertMany(c, "warm", 10, MIB);
          progress("raw: %d inserts of a 1 MiB chunk row, one per transaction", BLOB_COUNT);
          double seconds = insertMany(c, "blob", BLOB_COUNT, MIB);
          blobMbps = (double) BLOB_COUNT * MIB / 1e6 / seconds;
          result("files.raw.mbps", blobMbps, "MB/s");
        }
        if (only.contains("row")) {
          insertMany(c, "warm-row", 100, ROW_BYTES);
          progress("row: %d inserts of a 4 KiB chunk row, one per transaction", ROW_COUNT);
          double seconds = insertMany(c, "row", ROW_COUNT, ROW_BYTES);
          result("h2.row.ops", ROW_COUNT / seconds, "ops/s");
        }
        try (PreparedStatement shutdown = c.prepareStatement("SHUTDOWN")) {
          shutdown.execute();
        }
      }
    } catch (SQLException | RuntimeException e) {
      throw new BenchException("the scratch H2 database in " + dir + " failed: " + e, e);
    } finally {
      delete(dir);
    }
    return blobMbps;
  }

  /** Inserts {@code count} chunk rows of one upload, one per transaction; returns seconds. */
  private double insertMany(Connection c, String upload, int count, int size)
      throws SQLException, BenchException {
    return RawDatabaseRates.timedInserts(
        c,
        "INSERT INTO chunks (upload_id, chunk_index, sha256, size_bytes, data)"
            + " VALUES (?, ?, ?, ?, ?)",
        count,
        size,
        deadlineNanos,
        (insert, i, data) -> {
          insert.setString(1, upload);
          insert.setInt(2, i);
          insert.setString(3, "0".repeat(64));
          insert.setInt(4, size);
          insert.setBytes(5, data);
        });
  }

  private static void delete(Path dir) {
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(EmbeddedRawRates::deleteOne);
      progress("removed the scratch database %s", dir);
    } catch (IOException | UncheckedIOException e) {
      progress("could not remove the scratch database %s: %s", dir, e.getMessage());
    }
  }

  private static void deleteOne(Path p) {
    try {
      Files.deleteIfExists(p);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
