package io.spindle.system;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One MariaDB user for a test run and one schema per node, created on first use and dropped by
 * {@link #dropAll()}: the {@code SPINDLE_DB_*} settings that put a node on its own schema.
 */
final class NodeSchemas {
  private final String run = "spindle_st_" + Long.toString(System.nanoTime(), 36);
  private final String password = "st-" + Long.toString(System.nanoTime(), 36);
  private final Map<String, String> schemas = new LinkedHashMap<>();

  /** The node's database settings; creates the user and the node's schema the first time. */
  Map<String, String> environment(String nodeId) throws Exception {
    String schema = schemas.get(nodeId);
    if (schema == null) {
      schema = run + "_" + nodeId;
      if (schemas.isEmpty()) {
        for (String host : new String[] {"localhost", "127.0.0.1"}) {
          MariaDb.sql(
              "CREATE USER '" + run + "'@'" + host + "' IDENTIFIED BY '" + password + "';", null);
        }
      }
      MariaDb.sql(
          "CREATE DATABASE " + schema + " CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;", null);
      for (String host : new String[] {"localhost", "127.0.0.1"}) {
        MariaDb.sql("GRANT ALL ON " + schema + ".* TO '" + run + "'@'" + host + "';", null);
      }
      schemas.put(nodeId, schema);
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

  /** The schema of {@code nodeId}, once {@link #environment} made it. */
  String schema(String nodeId) {
    return schemas.get(nodeId);
  }

  /** Empties a (stopped) node's schema, as if it were new. */
  void wipe(String nodeId) throws Exception {
    String schema = schemas.get(nodeId);
    MariaDb.sql(
        "DROP DATABASE "
            + schema
            + "; CREATE DATABASE "
            + schema
            + " CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;",
        null);
  }

  void dropAll() throws Exception {
    StringBuilder drop = new StringBuilder();
    for (String schema : schemas.values()) {
      drop.append("DROP DATABASE IF EXISTS ").append(schema).append(';');
    }
    drop.append("DROP USER IF EXISTS '").append(run).append("'@'localhost';");
    drop.append("DROP USER IF EXISTS '").append(run).append("'@'127.0.0.1';");
    MariaDb.sql(drop.toString(), null);
  }
}
