package io.spindle.node.infrastructure.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class DatabaseConfigSourceTest {
  private final Map<String, String> inputs = new HashMap<>();
  private final DatabaseConfigSource source =
      new DatabaseConfigSource(key -> Optional.ofNullable(inputs.get(key)));

  @Test
  void noUrlMeansEmbeddedH2InTheDataDir() {
    inputs.put(NodeSettings.DATA_DIR, "/data/n1");
    inputs.put(NodeSettings.DB_URL, "");
    assertEquals(
        "jdbc:h2:file:" + Path.of("/data/n1/spindle") + DatabaseSettings.H2_OPTIONS,
        source.getValue(DatabaseConfigSource.JDBC_URL));
    assertEquals("org.h2.jdbcx.JdbcDataSource", source.getValue(DatabaseConfigSource.DRIVER));
    assertEquals("spindle", source.getValue(DatabaseConfigSource.JDBC_USER));
    assertEquals("spindle", source.getValue(DatabaseConfigSource.JDBC_PASSWORD));
  }

  @Test
  void aMysqlOrMariadbUrlPicksConnectorJ() {
    inputs.put(NodeSettings.DB_URL, "jdbc:mariadb://127.0.0.1:3306/spindle_n1");
    inputs.put(NodeSettings.DB_USER, "spindle");
    inputs.put(NodeSettings.DB_PASSWORD, "secret");
    assertEquals("com.mysql.cj.jdbc.MysqlDataSource", source.getValue(DatabaseConfigSource.DRIVER));
    assertEquals(
        "jdbc:mariadb://127.0.0.1:3306/spindle_n1?rewriteBatchedStatements=true",
        source.getValue(DatabaseConfigSource.JDBC_URL));
    assertEquals("secret", source.getValue(DatabaseConfigSource.JDBC_PASSWORD));
  }

  @Test
  void batchRewritingIsAddedToAServerUrlUnlessItChoosesItself() {
    inputs.put(NodeSettings.DB_URL, "jdbc:mysql://db:3306/spindle?sslMode=DISABLED");
    assertEquals(
        "jdbc:mysql://db:3306/spindle?sslMode=DISABLED&rewriteBatchedStatements=true",
        source.getValue(DatabaseConfigSource.JDBC_URL));
    inputs.put(NodeSettings.DB_URL, "jdbc:mysql://db:3306/spindle?rewriteBatchedStatements=false");
    assertEquals(
        "jdbc:mysql://db:3306/spindle?rewriteBatchedStatements=false",
        source.getValue(DatabaseConfigSource.JDBC_URL));
  }

  @Test
  void aServerDatabaseNeedsAPassword() {
    inputs.put(NodeSettings.DB_URL, "jdbc:mysql://127.0.0.1:3306/spindle_n1");
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> source.getValue(DatabaseConfigSource.JDBC_PASSWORD));
    assertTrue(e.getMessage().contains("SPINDLE_DB_PASSWORD"), e.getMessage());
  }

  @Test
  void anUnknownDatabaseIsRefusedClearly() {
    inputs.put(NodeSettings.DB_URL, "jdbc:postgresql://db/spindle");
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class, () -> source.getValue(DatabaseConfigSource.DRIVER));
    assertEquals(
        "the setting spindle.db.url (env SPINDLE_DB_URL) must be a jdbc:mysql:, jdbc:mariadb: or"
            + " jdbc:h2: URL",
        e.getMessage());
  }

  @Test
  void answersOnlyItsOwnKeys() {
    assertNull(source.getValue(NodeSettings.DB_URL));
    assertEquals(90, source.getOrdinal());
  }
}
