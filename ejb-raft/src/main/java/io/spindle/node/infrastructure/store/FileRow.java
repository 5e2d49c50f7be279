package io.spindle.node.infrastructure.store;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

/** A committed, visible file. */
@Entity
@Table(name = "files")
public class FileRow {
  @Id
  @Column(name = "name_hash", length = 64)
  private String nameHash;

  @Column(name = "name", nullable = false, length = 1024)
  private byte[] name;

  @Column(name = "size_bytes", nullable = false)
  private long size;

  @Column(name = "sha256", nullable = false, length = 64)
  private String sha256;

  @Column(name = "chunk_count", nullable = false)
  private int chunkCount;

  @Column(name = "upload_id", nullable = false, length = 64)
  private String uploadId;

  @Column(name = "stored_at_millis", nullable = false)
  private long storedAtMillis;

  @Column(name = "commit_index", nullable = false)
  private long commitIndex;

  protected FileRow() {}

  FileRow(
      String nameHash,
      byte[] name,
      long size,
      String sha256,
      int chunkCount,
      String uploadId,
      long storedAtMillis,
      long commitIndex) {
    this.nameHash = nameHash;
    this.name = name.clone();
    this.size = size;
    this.sha256 = sha256;
    this.chunkCount = chunkCount;
    this.uploadId = uploadId;
    this.storedAtMillis = storedAtMillis;
    this.commitIndex = commitIndex;
  }

  /** Points this name at another upload (the file was replaced). */
  void replace(
      long size,
      String sha256,
      int chunkCount,
      String uploadId,
      long storedAtMillis,
      long commitIndex) {
    this.size = size;
    this.sha256 = sha256;
    this.chunkCount = chunkCount;
    this.uploadId = uploadId;
    this.storedAtMillis = storedAtMillis;
    this.commitIndex = commitIndex;
  }

  String nameHash() {
    return nameHash;
  }

  byte[] name() {
    return name.clone();
  }

  long size() {
    return size;
  }

  String sha256() {
    return sha256;
  }

  int chunkCount() {
    return chunkCount;
  }

  String uploadId() {
    return uploadId;
  }

  long storedAtMillis() {
    return storedAtMillis;
  }

  long commitIndex() {
    return commitIndex;
  }
}
