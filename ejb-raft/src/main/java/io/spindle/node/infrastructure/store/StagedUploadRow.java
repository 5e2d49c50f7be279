package io.spindle.node.infrastructure.store;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

/** An upload with staged chunks whose commit has not applied yet. */
@Entity
@Table(name = "staged_uploads")
public class StagedUploadRow {
  @Id
  @Column(name = "upload_id", length = 64)
  private String uploadId;

  @Column(name = "first_index", nullable = false)
  private long firstIndex;

  @Column(name = "last_index", nullable = false)
  private long lastIndex;

  protected StagedUploadRow() {}

  StagedUploadRow(String uploadId, long firstIndex, long lastIndex) {
    this.uploadId = uploadId;
    this.firstIndex = firstIndex;
    this.lastIndex = lastIndex;
  }

  String uploadId() {
    return uploadId;
  }

  long firstIndex() {
    return firstIndex;
  }

  long lastIndex() {
    return lastIndex;
  }

  void touch(long index) {
    this.lastIndex = index;
  }
}
