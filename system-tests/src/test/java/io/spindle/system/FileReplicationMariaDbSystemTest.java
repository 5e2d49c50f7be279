package io.spindle.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;

/**
 * {@link FileReplicationScenario} with each node on its own schema of the MariaDB at {@link
 * MariaDb#HOST}:{@link MariaDb#PORT}; at the end the three schemas hold the same files, chunks and
 * request ids, byte for byte.
 */
class FileReplicationMariaDbSystemTest extends FileReplicationScenario {
  private final String run = "spindle_st_" + Long.toString(System.nanoTime(), 36);
  private final String password = "st-" + Long.toString(System.nanoTime(), 36);
  private final Map<PayaraNode, String> schemas = new HashMap<>();

  @Override
  Map<String, String> database(PayaraNode node) throws Exception {
    String schema = schemas.get(node);
    if (schema == null) {
      schema = run + "_" + node.id;
      if (schemas.isEmpty()) {
        MariaDb.sql(
            "CREATE USER '"
                + run
                + "'@'localhost' IDENTIFIED BY '"
                + password
                + "';"
                + " CREATE USER '"
                + run
                + "'@'127.0.0.1' IDENTIFIED BY '"
                + password
                + "';",
            null);
      }
      MariaDb.sql(
          "CREATE DATABASE "
              + schema
              + " CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;"
              + " GRANT ALL ON "
              + schema
              + ".* TO '"
              + run
              + "'@'localhost';"
              + " GRANT ALL ON "
              + schema
              + ".* TO '"
              + run
              + "'@'127.0.0.1';",
          null);
      schemas.put(node, schema);
    }
    return Map.of(
        "SPINDLE_DB_URL",
        "jdbc:mysql://"
            + MariaDb.HOST
            + ":"
            + MariaDb.PORT
            + "/"
            + schema
            + "?sslMode=DISABLED&allowPublicKeyRetrieval=true",
        "SPINDLE_DB_USER",
        run,
        "SPINDLE_DB_PASSWORD",
        password);
  }

  @Override
  void wipeDatabase(PayaraNode node) throws Exception {
    String schema = schemas.get(node);
    MariaDb.sql(
        "DROP DATABASE "
            + schema
            + "; CREATE DATABASE "
            + schema
            + " CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;",
        null);
  }

  @Override
  void assertDatabasesIdentical() throws Exception {
    Map<String, String> digests = new LinkedHashMap<>();
    for (PayaraNode node : nodes) {
      digests.put(node.id, MariaDb.sql(MariaDb.CONTENT_DIGEST, schemas.get(node)).trim());
    }
    String first = digests.values().iterator().next();
    assertTrue(first.endsWith(" " + expected.size()), "not every file is there: " + digests);
    for (Map.Entry<String, String> digest : digests.entrySet()) {
      assertEquals(first, digest.getValue(), "databases differ: " + digests);
    }
  }

  @AfterAll
  void dropSchemas() throws Exception {
    StringBuilder drop = new StringBuilder();
    for (String schema : schemas.values()) {
      drop.append("DROP DATABASE IF EXISTS ").append(schema).append(';');
    }
    drop.append("DROP USER IF EXISTS '").append(run).append("'@'localhost';");
    drop.append("DROP USER IF EXISTS '").append(run).append("'@'127.0.0.1';");
    MariaDb.sql(drop.toString(), null);
  }
}
