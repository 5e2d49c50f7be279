package io.spindle.node.infrastructure.store;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.IdClass;
import jakarta.persistence.Table;
import java.io.Serializable;
import java.util.Objects;

/** One change of a group, kept for watchers (see {@code V2__groups.sql}). */
@Entity
@Table(name = "group_events")
@IdClass(GroupEventRow.Key.class)
public class GroupEventRow {
  @Id
  @Column(name = "group_hash", length = 64)
  private String groupHash;

  @Id
  @Column(name = "event_index")
  private long eventIndex;

  @Id
  @Column(name = "seq")
  private int seq;

  @Column(name = "member_id", nullable = false, length = 255)
  private byte[] memberId;

  @Column(name = "kind", nullable = false, length = 8)
  private String kind;

  @Column(name = "address", nullable = false, length = 2048)
  private byte[] address;

  protected GroupEventRow() {}

  GroupEventRow(
      String groupHash, long eventIndex, int seq, byte[] memberId, String kind, byte[] address) {
    this.groupHash = groupHash;
    this.eventIndex = eventIndex;
    this.seq = seq;
    this.memberId = memberId.clone();
    this.kind = kind;
    this.address = address.clone();
  }

  String groupHash() {
    return groupHash;
  }

  long eventIndex() {
    return eventIndex;
  }

  int seq() {
    return seq;
  }

  byte[] memberId() {
    return memberId.clone();
  }

  String kind() {
    return kind;
  }

  byte[] address() {
    return address.clone();
  }

  /** The composite key. */
  public static class Key implements Serializable {
    private static final long serialVersionUID = 1L;

    private String groupHash;
    private long eventIndex;
    private int seq;

    public Key() {}

    @Override
    public boolean equals(Object o) {
      return o instanceof Key k
          && k.eventIndex == eventIndex
          && k.seq == seq
          && Objects.equals(k.groupHash, groupHash);
    }

    @Override
    public int hashCode() {
      return Objects.hash(groupHash, eventIndex, seq);
    }
  }
}
