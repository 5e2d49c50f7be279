package io.spindle.node.infrastructure.store;

import jakarta.persistence.Cacheable;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.IdClass;
import jakarta.persistence.Lob;
import jakarta.persistence.Table;

/**
 * One chunk of an upload (staged or committed). Only ever persisted: readers select the {@code
 * data} column of one chunk at a time, so that no more than one chunk is in memory.
 */
@Entity
@Table(name = "chunks")
@IdClass(ChunkKey.class)
@Cacheable(false)
public class ChunkRow {
  @Id
  @Column(name = "upload_id", length = 64)
  private String uploadId;

  @Id
  @Column(name = "chunk_index")
  private int chunkIndex;

  @Column(name = "sha256", nullable = false, length = 64)
  private String sha256;

  @Column(name = "size_bytes", nullable = false)
  private int size;

  @Lob
  @Column(name = "data", nullable = false)
  private byte[] data;

  protected ChunkRow() {}

  ChunkRow(String uploadId, int chunkIndex, String sha256, byte[] data) {
    this.uploadId = uploadId;
    this.chunkIndex = chunkIndex;
    this.sha256 = sha256;
    this.size = data.length;
    this.data = data;
  }
}
