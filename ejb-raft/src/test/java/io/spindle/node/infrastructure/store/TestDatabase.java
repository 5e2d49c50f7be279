package io.spindle.node.infrastructure.store;

import io.spindle.node.domain.Sha256;
import io.spindle.node.infrastructure.runtime.DatabaseSettings;
import jakarta.persistence.EntityManagerFactory;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.util.HexFormat;
import java.util.Map;
import java.util.UUID;
import org.eclipse.persistence.jpa.PersistenceProvider;
import org.flywaydb.core.Flyway;

/**
 * A fresh, Flyway-migrated node schema for one test: an H2 in-memory database in MySQL mode, or a
 * uniquely named schema on the MariaDB at 127.0.0.1:3306 (root, no password) that {@link #close()}
 * drops. Opens a RESOURCE_LOCAL entity manager factory on it ({@link TestPersistenceUnit}).
 */
public final class TestDatabase implements AutoCloseable {
  public enum Kind {
    H2,
    MARIADB
  }

  private static final String MARIADB_SERVER =
      "jdbc:mysql://127.0.0.1:3306/?sslMode=DISABLED&allowPublicKeyRetrieval=true";

  /** Every table, with the columns that order its rows (its primary key). */
  private static final Map<String, String> TABLES =
      Map.of(
          "raft_applied", "id",
          "files", "name_hash",
          "chunks", "upload_id, chunk_index",
          "staged_uploads", "upload_id",
          "applied_requests", "request_id",
          "member_groups", "group_hash",
          "group_members", "member_key",
          "group_events", "group_hash, event_index, seq");

  private final Kind kind;
  private final String schema;
  private final String url;
  private EntityManagerFactory factory;

  private TestDatabase(Kind kind, String schema, String url) {
    this.kind = kind;
    this.schema = schema;
    this.url = url;
  }

  public static TestDatabase create(Kind kind) {
    String schema = "spindle_t_" + UUID.randomUUID().toString().replace("-", "").substring(0, 16);
    TestDatabase db;
    if (kind == Kind.H2) {
      db =
          new TestDatabase(
              kind,
              schema,
              "jdbc:h2:mem:" + schema + ";DB_CLOSE_DELAY=-1" + DatabaseSettings.H2_OPTIONS);
    } else {
      try (Connection c = DriverManager.getConnection(MARIADB_SERVER, "root", "");
          Statement s = c.createStatement()) {
        s.execute("CREATE DATABASE " + schema + " CHARACTER SET utf8mb4 COLLATE utf8mb4_bin");
      } catch (SQLException e) {
        throw new IllegalStateException(
            "cannot create a schema on MariaDB at 127.0.0.1:3306 (root, no password): " + e, e);
      }
      db =
          new TestDatabase(
              kind,
              schema,
              DatabaseSettings.withBatchRewriting(
                  "jdbc:mysql://127.0.0.1:3306/"
                      + schema
                      + "?sslMode=DISABLED&allowPublicKeyRetrieval=true"));
    }
    Flyway.configure()
        .dataSource(db.url, "root", "")
        .locations("classpath:db/migration")
        .load()
        .migrate();
    return db;
  }

  /**
   * An embedded H2 database in files under {@code dir}, as a node keeps it (no data in the heap),
   * migrated.
   */
  public static TestDatabase createH2Files(java.nio.file.Path dir) {
    String url = "jdbc:h2:file:" + dir.resolve("store") + DatabaseSettings.H2_OPTIONS;
    Flyway.configure()
        .dataSource(url, "root", "")
        .locations("classpath:db/migration")
        .load()
        .migrate();
    // A unit name of its own: EclipseLink keeps state per unit name.
    String unit = "store_" + UUID.randomUUID().toString().replace("-", "").substring(0, 16);
    return new TestDatabase(Kind.H2, unit, url);
  }

  public Kind kind() {
    return kind;
  }

  /** The entity manager factory of this database, opened on first use. */
  public synchronized EntityManagerFactory factory() {
    if (factory == null) {
      factory =
          new PersistenceProvider()
              .createContainerEntityManagerFactory(
                  new TestPersistenceUnit(schema),
                  Map.of(
                      "jakarta.persistence.jdbc.url", url,
                      "jakarta.persistence.jdbc.user", "root",
                      "jakarta.persistence.jdbc.password", ""));
    }
    return factory;
  }

  /** Closes the factory, as a crash or restart of the node would; the data stays. */
  public synchronized void closeFactory() {
    if (factory != null) {
      factory.close();
      factory = null;
    }
  }

  public StoreTransactions transactions() {
    return new ResourceLocalStoreTransactions(factory());
  }

  public FileStoreStateMachine stateMachine(StoreSettings settings) {
    return new FileStoreStateMachine(transactions(), settings);
  }

  /** The JDBC URL of this database (user root, no password). */
  public String url() {
    return url;
  }

  public Connection connect() throws SQLException {
    return DriverManager.getConnection(url, "root", "");
  }

  /** A SHA-256 over every row of every table, in key order: equal digests, equal stores. */
  public String digest() throws SQLException {
    MessageDigest digest = Sha256.newDigest();
    try (Connection c = connect();
        Statement s = c.createStatement()) {
      for (String table : TABLES.keySet().stream().sorted().toList()) {
        digest.update(table.getBytes());
        try (ResultSet rs =
            s.executeQuery("SELECT * FROM " + table + " ORDER BY " + TABLES.get(table))) {
          ResultSetMetaData meta = rs.getMetaData();
          while (rs.next()) {
            for (int i = 1; i <= meta.getColumnCount(); i++) {
              byte[] bytes = isBinary(meta.getColumnType(i)) ? rs.getBytes(i) : null;
              if (bytes == null) {
                Object value = rs.getObject(i);
                bytes = value == null ? new byte[] {0} : value.toString().getBytes();
              }
              digest.update(Integer.toString(bytes.length).getBytes());
              digest.update((byte) ':');
              digest.update(bytes);
            }
            digest.update((byte) '\n');
          }
        }
      }
    }
    return HexFormat.of().formatHex(digest.digest());
  }

  private static boolean isBinary(int type) {
    return type == Types.BINARY
        || type == Types.VARBINARY
        || type == Types.LONGVARBINARY
        || type == Types.BLOB;
  }

  /** The applied index and term recorded in {@code raft_applied}. */
  public long[] applied() throws SQLException {
    try (Connection c = connect();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT applied_index, applied_term FROM raft_applied")) {
      rs.next();
      return new long[] {rs.getLong(1), rs.getLong(2)};
    }
  }

  public long count(String table) throws SQLException {
    try (Connection c = connect();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM " + table)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  @Override
  public void close() {
    closeFactory();
    try (Connection c =
            kind == Kind.H2 ? connect() : DriverManager.getConnection(MARIADB_SERVER, "root", "");
        Statement s = c.createStatement()) {
      s.execute(kind == Kind.H2 ? "SHUTDOWN" : "DROP DATABASE IF EXISTS " + schema);
    } catch (SQLException e) {
      throw new IllegalStateException("cannot drop test schema " + schema + ": " + e, e);
    }
  }
}
