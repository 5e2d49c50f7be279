package io.spindle.node.infrastructure.store;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

/** A client request id that was applied, with the result it got. */
@Entity
@Table(name = "applied_requests")
public class AppliedRequestRow {
  @Id
  @Column(name = "request_id", length = 128)
  private String requestId;

  @Column(name = "log_index", nullable = false)
  private long logIndex;

  @Column(name = "result", nullable = false, length = 4096)
  private byte[] result;

  protected AppliedRequestRow() {}

  AppliedRequestRow(String requestId, long logIndex, byte[] result) {
    this.requestId = requestId;
    this.logIndex = logIndex;
    this.result = result.clone();
  }

  String requestId() {
    return requestId;
  }

  long logIndex() {
    return logIndex;
  }

  byte[] result() {
    return result.clone();
  }
}
