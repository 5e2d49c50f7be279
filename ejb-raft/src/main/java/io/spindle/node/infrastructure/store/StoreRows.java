package io.spindle.node.infrastructure.store;

import com.google.protobuf.ByteString;
import io.spindle.node.domain.Sha256;
import io.spindle.protocol.node.FileRecord;
import jakarta.persistence.EntityManager;
import java.util.List;

/**
 * The row look-ups the apply, the reads and the garbage collection share: a committed file by name,
 * a chunk's content, deleting an upload's chunks, and a file row as its {@link FileRecord}.
 *
 * <p><b>Threading:</b> stateless; the caller's thread, inside the caller's transaction (the {@code
 * EntityManager} it passes).
 */
final class StoreRows {
  private StoreRows() {}

  static FileRow file(EntityManager em, byte[] name) {
    return em.find(FileRow.class, Sha256.hex(Sha256.of(name)));
  }

  static byte[] chunkData(EntityManager em, String uploadId, int index) {
    List<byte[]> data =
        em.createQuery(
                "SELECT c.data FROM ChunkRow c WHERE c.uploadId = :u AND c.chunkIndex = :i",
                byte[].class)
            .setParameter("u", uploadId)
            .setParameter("i", index)
            .getResultList();
    return data.isEmpty() ? null : data.get(0);
  }

  static void deleteChunks(EntityManager em, String uploadId) {
    em.createQuery("DELETE FROM ChunkRow c WHERE c.uploadId = :u")
        .setParameter("u", uploadId)
        .executeUpdate();
  }

  static FileRecord record(FileRow file) {
    return FileRecord.newBuilder()
        .setName(ByteString.copyFrom(file.name()))
        .setSize(file.size())
        .setSha256(ByteString.copyFrom(Sha256.unhex(file.sha256())))
        .setChunkCount(file.chunkCount())
        .setUploadId(file.uploadId())
        .setStoredAtMillis(file.storedAtMillis())
        .setCommitIndex(file.commitIndex())
        .build();
  }
}
