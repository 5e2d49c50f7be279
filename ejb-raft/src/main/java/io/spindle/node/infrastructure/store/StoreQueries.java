package io.spindle.node.infrastructure.store;

import static io.spindle.node.infrastructure.store.StoreRows.chunkData;
import static io.spindle.node.infrastructure.store.StoreRows.file;
import static io.spindle.node.infrastructure.store.StoreRows.record;

import com.google.protobuf.ByteString;
import io.spindle.node.application.ChunkRun;
import io.spindle.node.infrastructure.store.FileStoreStateMachine.ChunkSummary;
import io.spindle.protocol.node.FileRecord;
import jakarta.persistence.EntityManager;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@link FileStoreStateMachine}'s reads of the committed files, as this replica has them now: a
 * file, the list, a file's content, its chunks, one chunk.
 *
 * <p><b>Threading:</b> any thread, each read in its own read transaction.
 */
final class StoreQueries {
  private final StoreTransactions transactions;

  StoreQueries(StoreTransactions transactions) {
    this.transactions = transactions;
  }

  /** The committed file of that name (UTF-8 bytes), as this replica has it now. */
  Optional<FileRecord> findFile(byte[] name) {
    return transactions.read(em -> Optional.ofNullable(file(em, name)).map(StoreRows::record));
  }

  /** Every committed file, ordered by name (unsigned bytes of UTF-8). */
  List<FileRecord> listFiles() {
    List<FileRecord> files =
        transactions.read(
            em ->
                em.createQuery("SELECT f FROM FileRow f", FileRow.class).getResultList().stream()
                    .map(StoreRows::record)
                    .toList());
    List<FileRecord> sorted = new ArrayList<>(files);
    sorted.sort(
        Comparator.comparing(FileRecord::getName, ByteString.unsignedLexicographicalComparator()));
    return sorted;
  }

  /**
   * Writes the file's content to {@code out}, one chunk at a time in index order, all in one read
   * transaction; empty (nothing written) when there is no such file. An {@link IOException} comes
   * out as an {@link UncheckedIOException} (possibly wrapped by the container).
   */
  Optional<FileRecord> readFile(byte[] name, OutputStream out) {
    return transactions.read(
        em -> {
          StoreSnapshots.fixReadView(em);
          FileRow file = file(em, name);
          if (file == null) {
            return Optional.empty();
          }
          copyChunks(em, file.uploadId(), 0, file.chunkCount(), out);
          return Optional.of(record(file));
        });
  }

  /**
   * The file and its chunks (index order) as of one read transaction; empty when there is no such
   * file.
   */
  Optional<Map.Entry<FileRecord, List<ChunkSummary>>> findChunks(byte[] name) {
    return transactions.read(
        em -> {
          FileRow file = file(em, name);
          if (file == null) {
            return Optional.empty();
          }
          List<ChunkSummary> chunks =
              em
                  .createQuery(
                      "SELECT c.chunkIndex, c.size, c.sha256 FROM ChunkRow c"
                          + " WHERE c.uploadId = :u ORDER BY c.chunkIndex",
                      Object[].class)
                  .setParameter("u", file.uploadId())
                  .getResultList()
                  .stream()
                  .map(
                      row ->
                          new ChunkSummary(
                              ((Number) row[0]).intValue(),
                              ((Number) row[1]).intValue(),
                              (String) row[2]))
                  .toList();
          return Optional.of(Map.entry(record(file), chunks));
        });
  }

  /**
   * One chunk of a file, if the file exists, has that chunk and (when {@code fileSha256} is given)
   * still has that content; empty otherwise.
   */
  Optional<byte[]> readChunk(byte[] name, int index, byte[] fileSha256) {
    return transactions.read(
        em -> {
          FileRow file = file(em, name);
          if (file == null
              || index < 0
              || index >= file.chunkCount()
              || (fileSha256 != null
                  && !Arrays.equals(fileSha256, record(file).getSha256().toByteArray()))) {
            return Optional.empty();
          }
          return Optional.ofNullable(chunkData(em, file.uploadId(), index));
        });
  }

  /**
   * Chunks {@code first} to {@code first + count - 1} of a file, if the file exists, has them all
   * and (when {@code fileSha256} is given) still has that content; empty otherwise.
   */
  Optional<ChunkRun> findChunkRun(byte[] name, int first, int count, byte[] fileSha256) {
    return transactions.read(
        em -> {
          FileRow file = file(em, name);
          if (file == null
              || first < 0
              || count < 1
              || (long) first + count > file.chunkCount()
              || (fileSha256 != null
                  && !Arrays.equals(fileSha256, record(file).getSha256().toByteArray()))) {
            return Optional.empty();
          }
          Object[] found =
              em.createQuery(
                      "SELECT COUNT(c), SUM(c.size) FROM ChunkRow c"
                          + " WHERE c.uploadId = :u AND c.chunkIndex >= :a AND c.chunkIndex < :b",
                      Object[].class)
                  .setParameter("u", file.uploadId())
                  .setParameter("a", first)
                  .setParameter("b", first + count)
                  .getSingleResult();
          if (((Number) found[0]).intValue() != count) {
            return Optional.empty();
          }
          return Optional.of(
              new ChunkRun(file.uploadId(), first, count, ((Number) found[1]).longValue()));
        });
  }

  /**
   * Writes the run's chunks to {@code out} in index order, all in one read transaction, one chunk
   * in memory at a time. An {@link IOException} (as an {@link UncheckedIOException}) if a chunk is
   * gone: the file was replaced or deleted and its chunks collected.
   */
  void writeChunks(ChunkRun run, OutputStream out) {
    transactions.read(
        em -> {
          copyChunks(em, run.uploadId(), run.first(), run.first() + run.count(), out);
          return null;
        });
  }

  /** Writes chunks {@code first} to {@code end - 1} of an upload to {@code out}, one at a time. */
  private static void copyChunks(
      EntityManager em, String uploadId, int first, int end, OutputStream out) {
    for (int i = first; i < end; i++) {
      byte[] data = chunkData(em, uploadId, i);
      if (data == null) {
        throw new UncheckedIOException(
            new IOException(
                "the file changed while it was being read (chunk "
                    + i
                    + " is gone); read it again"));
      }
      try {
        out.write(data);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }
}
