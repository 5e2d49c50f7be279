package io.spindle.node.infrastructure.store;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

/** A member of a group (see {@code V2__groups.sql}). */
@Entity
@Table(name = "group_members")
public class GroupMemberRow {
  @Id
  @Column(name = "member_key", length = 64)
  private String memberKey;

  @Column(name = "group_hash", nullable = false, length = 64)
  private String groupHash;

  @Column(name = "member_id", nullable = false, length = 255)
  private byte[] memberId;

  @Column(name = "address", nullable = false, length = 2048)
  private byte[] address;

  @Column(name = "ttl_ms", nullable = false)
  private long ttlMs;

  @Column(name = "probe", nullable = false, length = 8)
  private String probe;

  @Column(name = "meta", nullable = false, length = 16384)
  private byte[] meta;

  @Column(name = "joined_at_millis", nullable = false)
  private long joinedAtMillis;

  @Column(name = "renewed_at_millis", nullable = false)
  private long renewedAtMillis;

  @Column(name = "suspect", nullable = false)
  private int suspect;

  @Column(name = "join_index", nullable = false)
  private long joinIndex;

  @Column(name = "mod_index", nullable = false)
  private long modIndex;

  protected GroupMemberRow() {}

  GroupMemberRow(
      String memberKey,
      String groupHash,
      byte[] memberId,
      byte[] address,
      long ttlMs,
      String probe,
      byte[] meta,
      long joinedAtMillis,
      long renewedAtMillis,
      boolean suspect,
      long joinIndex,
      long modIndex) {
    this.memberKey = memberKey;
    this.groupHash = groupHash;
    this.memberId = memberId.clone();
    this.address = address.clone();
    this.ttlMs = ttlMs;
    this.probe = probe;
    this.meta = meta.clone();
    this.joinedAtMillis = joinedAtMillis;
    this.renewedAtMillis = renewedAtMillis;
    this.suspect = suspect ? 1 : 0;
    this.joinIndex = joinIndex;
    this.modIndex = modIndex;
  }

  String memberKey() {
    return memberKey;
  }

  String groupHash() {
    return groupHash;
  }

  byte[] memberId() {
    return memberId.clone();
  }

  byte[] address() {
    return address.clone();
  }

  long ttlMs() {
    return ttlMs;
  }

  String probe() {
    return probe;
  }

  byte[] meta() {
    return meta.clone();
  }

  long joinedAtMillis() {
    return joinedAtMillis;
  }

  long renewedAtMillis() {
    return renewedAtMillis;
  }

  boolean suspect() {
    return suspect != 0;
  }

  long joinIndex() {
    return joinIndex;
  }

  long modIndex() {
    return modIndex;
  }

  void update(byte[] address, long ttlMs, String probe, byte[] meta, long index) {
    this.address = address.clone();
    this.ttlMs = ttlMs;
    this.probe = probe;
    this.meta = meta.clone();
    this.modIndex = index;
  }

  void renewed(long atMillis) {
    renewedAtMillis = Math.max(renewedAtMillis, atMillis);
  }

  void mark(boolean suspect, long index) {
    this.suspect = suspect ? 1 : 0;
    this.modIndex = index;
  }
}
