package io.spindle.node.infrastructure.store;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

/** The single row (id 1) recording how far the log has been applied. */
@Entity
@Table(name = "raft_applied")
public class AppliedRow {
  static final int ID = 1;

  @Id
  @Column(name = "id")
  private int id;

  @Column(name = "applied_index", nullable = false)
  private long appliedIndex;

  @Column(name = "applied_term", nullable = false)
  private long appliedTerm;

  protected AppliedRow() {}

  long appliedIndex() {
    return appliedIndex;
  }

  long appliedTerm() {
    return appliedTerm;
  }

  void advanceTo(long index, long term) {
    this.appliedIndex = index;
    this.appliedTerm = term;
  }
}
