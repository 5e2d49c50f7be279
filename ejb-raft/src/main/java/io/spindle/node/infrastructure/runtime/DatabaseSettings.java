package io.spindle.node.infrastructure.runtime;

import java.nio.file.Path;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * Where a node's database is: the configured JDBC URL, or with none the embedded H2 file database
 * in the data directory (MySQL mode, so the same migrations and queries run on both).
 *
 * @param url {@code spindle.db.url}; empty for the embedded H2 database
 */
public record DatabaseSettings(
    Optional<String> url, Optional<String> user, Optional<String> password, Path dataDir) {
  static final String H2_DATASOURCE = "org.h2.jdbcx.JdbcDataSource";

  /**
   * The embedded database's settings: MySQL's dialect, and REPEATABLE READ as InnoDB's default, so
   * that a read transaction (a file streamed chunk by chunk while the state machine replaces it)
   * sees one snapshot, as on MySQL; H2's own default, READ COMMITTED, would not. The database stays
   * open until the JVM is gone (DB_CLOSE_ON_EXIT=FALSE): H2's own shutdown hook would close it
   * while the node's hook still applies what commits during a graceful leave (its removal), and the
   * state machine would retry against a closed database for seconds. H2 recovers from an unclosed
   * file as from a crash. A 32 MiB page cache (H2's default is 16 MiB) keeps the indexes that every
   * applied write walks in memory; it also holds the blocks of large chunks as they are written,
   * which is why it is not larger (a node's heap is 512 MiB). And a chunk of up to 16 KiB is stored
   * in its row rather than as a separate LOB (H2's default limit is 256 bytes), which makes small
   * files several index updates cheaper.
   */
  public static final String H2_OPTIONS =
      ";MODE=MySQL;DATABASE_TO_LOWER=TRUE;DB_CLOSE_ON_EXIT=FALSE;CACHE_SIZE=32768"
          + ";MAX_LENGTH_INPLACE_LOB=16384"
          + ";INIT=SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL SNAPSHOT";

  static final String MYSQL_DATASOURCE = "com.mysql.cj.jdbc.MysqlDataSource";
  static final String EMBEDDED_USER = "spindle";
  static final String EMBEDDED_PASSWORD = "spindle";

  public DatabaseSettings {
    Objects.requireNonNull(url, "url");
    Objects.requireNonNull(user, "user");
    Objects.requireNonNull(password, "password");
    Objects.requireNonNull(dataDir, "dataDir");
  }

  public boolean embedded() {
    return url.isEmpty();
  }

  /** The URL the datasource connects to. */
  public String jdbcUrl() {
    return url.map(DatabaseSettings::withBatchRewriting)
        .orElseGet(
            () -> "jdbc:h2:file:" + dataDir.toAbsolutePath().resolve("spindle") + H2_OPTIONS);
  }

  /**
   * A MySQL/MariaDB URL with {@code rewriteBatchedStatements=true} unless it sets that option
   * itself: Connector/J then sends a JDBC batch of inserts (the small files' rows the state machine
   * writes per applied batch) as multi-row statements, not one round trip per row. Other URLs are
   * returned as they are.
   */
  public static String withBatchRewriting(String url) {
    String lower = url.toLowerCase(Locale.ROOT);
    if (!(lower.startsWith("jdbc:mysql:") || lower.startsWith("jdbc:mariadb:"))
        || lower.contains("rewritebatchedstatements=")) {
      return url;
    }
    return url + (url.contains("?") ? "&" : "?") + "rewriteBatchedStatements=true";
  }

  /** The {@code javax.sql.DataSource} class for {@link #jdbcUrl()}. */
  public String dataSourceClass() {
    String lower = jdbcUrl().toLowerCase(Locale.ROOT);
    if (lower.startsWith("jdbc:mysql:") || lower.startsWith("jdbc:mariadb:")) {
      return MYSQL_DATASOURCE;
    }
    if (lower.startsWith("jdbc:h2:")) {
      return H2_DATASOURCE;
    }
    throw new IllegalArgumentException(
        NodeSettings.describe(NodeSettings.DB_URL)
            + " must be a jdbc:mysql:, jdbc:mariadb: or jdbc:h2: URL");
  }

  /** The user; the embedded database gets {@value #EMBEDDED_USER} (H2 creates it with the file). */
  public String jdbcUser() {
    return user.orElse(embedded() ? EMBEDDED_USER : "root");
  }

  /**
   * The password; the embedded database gets {@value #EMBEDDED_PASSWORD}.
   *
   * @throws IllegalArgumentException for a configured database without one: MicroProfile Config
   *     treats an empty value as unset, so the datasource would get a literal placeholder and the
   *     login would fail with a misleading "access denied"
   */
  public String jdbcPassword() {
    if (embedded()) {
      return password.orElse(EMBEDDED_PASSWORD);
    }
    return password.orElseThrow(
        () ->
            new IllegalArgumentException(
                NodeSettings.describe(NodeSettings.DB_PASSWORD)
                    + " is empty: give the database user of "
                    + NodeSettings.DB_URL
                    + " a password (an empty one cannot be passed through MicroProfile Config)"));
  }

  @Override
  public String toString() {
    return embedded()
        ? "embedded H2 at " + jdbcUrl()
        : jdbcUrl().replaceAll("password=[^&;]*", "password=(hidden)") + " as " + jdbcUser();
  }
}
