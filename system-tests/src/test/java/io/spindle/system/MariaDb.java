package io.spindle.system;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The MariaDB the system tests use (root without a password at {@code spindle.mariadb.host}:{@code
 * spindle.mariadb.port}, default 127.0.0.1:3306), reached through the {@code mariadb} client so
 * that the tests need no JDBC driver.
 */
final class MariaDb {
  static final String HOST = System.getProperty("spindle.mariadb.host", "127.0.0.1");
  static final String PORT = System.getProperty("spindle.mariadb.port", "3306");

  /** One line: digests of the replicated tables, in key order (GROUP_CONCAT up to 64 MiB). */
  static final String CONTENT_DIGEST =
      "SET SESSION group_concat_max_len = 67108864;"
          + " SELECT CONCAT_WS(' ',"
          + " (SELECT MD5(GROUP_CONCAT(CONCAT_WS(',', name_hash, HEX(name), size_bytes, sha256,"
          + " chunk_count, upload_id, stored_at_millis, commit_index) ORDER BY name_hash"
          + " SEPARATOR ';')) FROM files),"
          + " (SELECT MD5(GROUP_CONCAT(CONCAT_WS(',', upload_id, chunk_index, sha256, size_bytes,"
          + " MD5(data)) ORDER BY upload_id, chunk_index SEPARATOR ';')) FROM chunks),"
          + " (SELECT MD5(GROUP_CONCAT(CONCAT_WS(',', request_id, log_index, HEX(result))"
          + " ORDER BY request_id SEPARATOR ';')) FROM applied_requests),"
          + " (SELECT COUNT(*) FROM files));";

  private MariaDb() {}

  /** Runs {@code sql} as root (in {@code schema} if not null) and returns its output. */
  static String sql(String sql, String schema) throws IOException, InterruptedException {
    List<String> command =
        new ArrayList<>(
            List.of("mariadb", "-h", HOST, "-P", PORT, "-u", "root", "-N", "-B", "-e", sql));
    if (schema != null) {
      command.add(schema);
    }
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
      throw new IllegalStateException(
          "mariadb at " + HOST + ":" + PORT + " failed (" + output.trim() + ") running: " + sql);
    }
    return output;
  }
}
