package io.spindle.node.infrastructure.store;

import jakarta.persistence.EntityManager;
import jakarta.persistence.PersistenceException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import org.eclipse.persistence.sessions.UnitOfWork;

/**
 * The rows of new small files ({@code StoreFile} commands whose name and request id the database
 * does not hold), written as JDBC batches on the batch transaction's own connection instead of as
 * entities: one {@code files} row, one {@code chunks} row (none for an empty file) and one {@code
 * applied_requests} row (none without a request id) per file. These are the hot inserts of a small
 * write; through the persistence context each row cost a change set, an insert statement and its
 * bookkeeping, several times what the database spends on it.
 *
 * <p>Rows wait here until {@link #flush} writes them, which {@link CommandApplier} calls before
 * anything else touches these tables in the transaction (another command, the garbage collection,
 * the end of the batch) and once {@link #pendingBytes()} grows large: so every query, bulk delete
 * and entity flush sees them as if they had been persisted. The persistence context never holds
 * them; a later command that needs one of them reads it from the database like any row written by
 * an earlier batch.
 *
 * <p><b>Threading:</b> the Raft apply thread only. <b>Errors:</b> a failed write is a {@link
 * PersistenceException}; the batch's transaction then rolls back.
 */
final class SmallFileInserts {
  private static final String INSERT_FILE =
      "INSERT INTO files (name_hash, name, size_bytes, sha256, chunk_count, upload_id,"
          + " stored_at_millis, commit_index) VALUES (?, ?, ?, ?, ?, ?, ?, ?)";
  private static final String INSERT_CHUNK =
      "INSERT INTO chunks (upload_id, chunk_index, sha256, size_bytes, data)"
          + " VALUES (?, 0, ?, ?, ?)";
  private static final String INSERT_REQUEST =
      "INSERT INTO applied_requests (request_id, log_index, result) VALUES (?, ?, ?)";

  /** One small file's rows. {@code requestId} is empty when the command has none. */
  record Row(
      String nameHash,
      byte[] name,
      byte[] data,
      String sha256,
      String uploadId,
      long storedAtMillis,
      long index,
      String requestId,
      byte[] result) {}

  private final List<Row> pending = new ArrayList<>();
  private long pendingBytes;

  void add(Row row) {
    pending.add(row);
    pendingBytes += row.data().length + row.result().length;
  }

  long pendingBytes() {
    return pendingBytes;
  }

  /** Drops what a rolled-back batch left: called first in every batch. */
  void clear() {
    pending.clear();
    pendingBytes = 0;
  }

  /** Writes the pending rows in the transaction of {@code em}; nothing when none are pending. */
  void flush(EntityManager em) {
    if (pending.isEmpty()) {
      return;
    }
    Connection connection = connection(em);
    try (PreparedStatement files = connection.prepareStatement(INSERT_FILE);
        PreparedStatement chunks = connection.prepareStatement(INSERT_CHUNK);
        PreparedStatement requests = connection.prepareStatement(INSERT_REQUEST)) {
      boolean anyChunk = false;
      boolean anyRequest = false;
      for (Row row : pending) {
        int chunkCount = row.data().length == 0 ? 0 : 1;
        files.setString(1, row.nameHash());
        files.setBytes(2, row.name());
        files.setLong(3, row.data().length);
        files.setString(4, row.sha256());
        files.setInt(5, chunkCount);
        files.setString(6, row.uploadId());
        files.setLong(7, row.storedAtMillis());
        files.setLong(8, row.index());
        files.addBatch();
        if (chunkCount > 0) {
          chunks.setString(1, row.uploadId());
          chunks.setString(2, row.sha256());
          chunks.setInt(3, row.data().length);
          chunks.setBytes(4, row.data());
          chunks.addBatch();
          anyChunk = true;
        }
        if (!row.requestId().isEmpty()) {
          requests.setString(1, row.requestId());
          requests.setLong(2, row.index());
          requests.setBytes(3, row.result());
          requests.addBatch();
          anyRequest = true;
        }
      }
      files.executeBatch();
      if (anyChunk) {
        chunks.executeBatch();
      }
      if (anyRequest) {
        requests.executeBatch();
      }
    } catch (SQLException e) {
      throw new PersistenceException(
          "writing the rows of "
              + pending.size()
              + " small files (entries "
              + pending.get(0).index()
              + " to "
              + pending.get(pending.size() - 1).index()
              + ") failed: "
              + e.getMessage(),
          e);
    }
    clear();
  }

  /**
   * Begins the database transaction of {@code em} now: called first in every batch, before any
   * entity flush. Begun later, after a flush had begun it, it would nest one level deeper than the
   * commit ends, and nothing of the batch would be committed.
   */
  static void begin(EntityManager em) {
    em.unwrap(UnitOfWork.class).beginEarlyTransaction();
  }

  /**
   * The JDBC connection of the transaction {@code em} is in (EclipseLink's; the unit holds one
   * connection per entity manager), begun by {@link #begin}, so that the rows commit or roll back
   * with the batch.
   */
  private static Connection connection(EntityManager em) {
    Connection connection = em.unwrap(Connection.class);
    if (connection == null) {
      throw new IllegalStateException(
          "the persistence unit gave no JDBC connection for the apply transaction");
    }
    return connection;
  }
}
