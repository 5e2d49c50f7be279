package io.spindle.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;

/**
 * {@link FileReplicationScenario} with each node on its own schema of the MariaDB at {@link
 * MariaDb#HOST}:{@link MariaDb#PORT}; at the end the three schemas hold the same files, chunks and
 * request ids, byte for byte.
 */
class FileReplicationMariaDbSystemTest extends FileReplicationScenario {
  private final NodeSchemas schemas = new NodeSchemas();

  @Override
  Map<String, String> database(PayaraNode node) throws Exception {
    return schemas.environment(node.id);
  }

  @Override
  void wipeDatabase(PayaraNode node) throws Exception {
    schemas.wipe(node.id);
  }

  @Override
  void assertDatabasesIdentical() throws Exception {
    Map<String, String> digests = new LinkedHashMap<>();
    for (PayaraNode node : nodes) {
      digests.put(node.id, MariaDb.sql(MariaDb.CONTENT_DIGEST, schemas.schema(node.id)).trim());
    }
    String first = digests.values().iterator().next();
    assertTrue(first.endsWith(" " + expected.size()), "not every file is there: " + digests);
    for (Map.Entry<String, String> digest : digests.entrySet()) {
      assertEquals(first, digest.getValue(), "databases differ: " + digests);
    }
  }

  @AfterAll
  void dropSchemas() throws Exception {
    schemas.dropAll();
  }
}
