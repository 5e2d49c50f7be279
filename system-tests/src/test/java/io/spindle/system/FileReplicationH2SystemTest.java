package io.spindle.system;

import java.util.Map;

/**
 * {@link FileReplicationScenario} with every node on its embedded H2 database (the quick start).
 */
class FileReplicationH2SystemTest extends FileReplicationScenario {
  @Override
  Map<String, String> database(PayaraNode node) {
    return Map.of();
  }

  @Override
  void wipeDatabase(PayaraNode node) {
    // The embedded database lives in the node's data directory, which wipeData() removed.
  }

  @Override
  void assertDatabasesIdentical() {
    // The H2 files are locked by the running nodes; the reads above compared every file.
  }
}
