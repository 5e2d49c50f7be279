package io.spindle.node.infrastructure.store;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

/** A group: the index of its latest change and how many members it has. */
@Entity
@Table(name = "member_groups")
public class GroupRow {
  @Id
  @Column(name = "group_hash", length = 64)
  private String groupHash;

  @Column(name = "group_name", nullable = false, length = 255)
  private byte[] groupName;

  @Column(name = "mod_index", nullable = false)
  private long modIndex;

  @Column(name = "member_count", nullable = false)
  private int memberCount;

  protected GroupRow() {}

  GroupRow(String groupHash, byte[] groupName, long modIndex, int memberCount) {
    this.groupHash = groupHash;
    this.groupName = groupName.clone();
    this.modIndex = modIndex;
    this.memberCount = memberCount;
  }

  String groupHash() {
    return groupHash;
  }

  byte[] groupName() {
    return groupName.clone();
  }

  long modIndex() {
    return modIndex;
  }

  int memberCount() {
    return memberCount;
  }

  void changed(long index, int memberDelta) {
    modIndex = index;
    memberCount += memberDelta;
  }
}
