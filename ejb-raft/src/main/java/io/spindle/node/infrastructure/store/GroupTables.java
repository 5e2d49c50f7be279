package io.spindle.node.infrastructure.store;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import io.spindle.node.domain.Sha256;
import io.spindle.node.domain.group.InvalidGroupRequestException;
import io.spindle.protocol.node.GroupEventRecord;
import io.spindle.protocol.node.GroupMemberRecord;
import io.spindle.protocol.node.GroupRecord;
import io.spindle.protocol.node.SnapshotRecord;
import jakarta.persistence.EntityManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * The group tables' keys and encodings, their part of the snapshot and of the garbage collection.
 * Keys: a group by the SHA-256 (lower-case hex) of its name's UTF-8, a member by the SHA-256 of its
 * group's hash and its own id's hash, so that names of any bytes make fixed-length ASCII keys.
 */
final class GroupTables {
  private GroupTables() {}

  static String hash(byte[] name) {
    return Sha256.hex(Sha256.of(name));
  }

  static String memberKey(String groupHash, byte[] memberId) {
    return hash((groupHash + "/" + hash(memberId)).getBytes(StandardCharsets.US_ASCII));
  }

  /** The UTF-8 text of {@code bytes}, refused (as a bad {@code what}) if it is not UTF-8. */
  static String utf8(byte[] bytes, String what) {
    try {
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes))
          .toString();
    } catch (CharacterCodingException e) {
      throw new InvalidGroupRequestException("a " + what + " must be UTF-8 text");
    }
  }

  /** The member's metadata as stored: sorted by key, the same bytes on every replica. */
  static byte[] encodeMeta(Map<String, String> meta) {
    GroupMemberRecord only = GroupMemberRecord.newBuilder().putAllMeta(meta).build();
    byte[] out = new byte[only.getSerializedSize()];
    CodedOutputStream coded = CodedOutputStream.newInstance(out);
    coded.useDeterministicSerialization();
    try {
      only.writeTo(coded);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out;
  }

  static Map<String, String> decodeMeta(byte[] meta) {
    try {
      return GroupMemberRecord.parseFrom(meta).getMetaMap();
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("a member's stored metadata does not parse", e);
    }
  }

  static GroupMemberRecord record(GroupMemberRow row, byte[] group) {
    return GroupMemberRecord.newBuilder()
        .setGroup(ByteString.copyFrom(group))
        .setMemberId(ByteString.copyFrom(row.memberId()))
        .setAddress(new String(row.address(), StandardCharsets.UTF_8))
        .setTtlMs(row.ttlMs())
        .putAllMeta(decodeMeta(row.meta()))
        .setProbe(row.probe())
        .setJoinedAtMillis(row.joinedAtMillis())
        .setRenewedAtMillis(row.renewedAtMillis())
        .setSuspect(row.suspect())
        .setJoinIndex(row.joinIndex())
        .setModIndex(row.modIndex())
        .build();
  }

  // ---------------------------------------------------------------- snapshots

  /** Every group, member and event, in key order (as {@code write}s of records). */
  static void writeSnapshot(EntityManager em, SnapshotSink out) throws IOException {
    for (GroupRow g :
        em.createQuery("SELECT g FROM GroupRow g ORDER BY g.groupHash", GroupRow.class)
            .getResultList()) {
      out.write(
          SnapshotRecord.newBuilder()
              .setGroup(
                  GroupRecord.newBuilder()
                      .setGroup(ByteString.copyFrom(g.groupName()))
                      .setModIndex(g.modIndex())
                      .setMemberCount(g.memberCount()))
              .build());
    }
    List<Object[]> members =
        em.createQuery(
                "SELECT m, g.groupName FROM GroupMemberRow m, GroupRow g"
                    + " WHERE g.groupHash = m.groupHash ORDER BY m.memberKey",
                Object[].class)
            .getResultList();
    for (Object[] m : members) {
      out.write(
          SnapshotRecord.newBuilder()
              .setGroupMember(record((GroupMemberRow) m[0], (byte[]) m[1]))
              .build());
    }
    List<Object[]> events =
        em.createQuery(
                "SELECT e, g.groupName FROM GroupEventRow e, GroupRow g"
                    + " WHERE g.groupHash = e.groupHash"
                    + " ORDER BY e.groupHash, e.eventIndex, e.seq",
                Object[].class)
            .getResultList();
    for (Object[] row : events) {
      GroupEventRow e = (GroupEventRow) row[0];
      out.write(
          SnapshotRecord.newBuilder()
              .setGroupEvent(
                  GroupEventRecord.newBuilder()
                      .setGroup(ByteString.copyFrom((byte[]) row[1]))
                      .setEventIndex(e.eventIndex())
                      .setSeq(e.seq())
                      .setMemberId(ByteString.copyFrom(e.memberId()))
                      .setKind(e.kind())
                      .setAddress(new String(e.address(), StandardCharsets.UTF_8)))
              .build());
    }
  }

  /** Where {@link #writeSnapshot} writes. */
  interface SnapshotSink {
    void write(SnapshotRecord record) throws IOException;
  }

  static void deleteAll(EntityManager em) {
    em.createQuery("DELETE FROM GroupEventRow e").executeUpdate();
    em.createQuery("DELETE FROM GroupMemberRow m").executeUpdate();
    em.createQuery("DELETE FROM GroupRow g").executeUpdate();
  }

  static void insert(EntityManager em, GroupRecord g) {
    byte[] name = g.getGroup().toByteArray();
    em.persist(new GroupRow(hash(name), name, g.getModIndex(), g.getMemberCount()));
  }

  static void insert(EntityManager em, GroupMemberRecord m) {
    String groupHash = hash(m.getGroup().toByteArray());
    em.persist(
        new GroupMemberRow(
            memberKey(groupHash, m.getMemberId().toByteArray()),
            groupHash,
            m.getMemberId().toByteArray(),
            m.getAddress().getBytes(StandardCharsets.UTF_8),
            m.getTtlMs(),
            m.getProbe(),
            encodeMeta(m.getMetaMap()),
            m.getJoinedAtMillis(),
            m.getRenewedAtMillis(),
            m.getSuspect(),
            m.getJoinIndex(),
            m.getModIndex()));
  }

  static void insert(EntityManager em, GroupEventRecord e) {
    em.persist(
        new GroupEventRow(
            hash(e.getGroup().toByteArray()),
            e.getEventIndex(),
            e.getSeq(),
            e.getMemberId().toByteArray(),
            e.getKind(),
            e.getAddress().getBytes(StandardCharsets.UTF_8)));
  }

  // ---------------------------------------------------------------- garbage

  /**
   * Drops events at or below {@code cut} and groups without members whose last change is at or
   * below it: watchers that are further behind are told to start over ({@code reset}).
   */
  static void collect(EntityManager em, long cut) {
    if (cut <= 0) {
      return;
    }
    em.createQuery("DELETE FROM GroupEventRow e WHERE e.eventIndex <= :cut")
        .setParameter("cut", cut)
        .executeUpdate();
    em.createQuery("DELETE FROM GroupRow g WHERE g.memberCount = 0 AND g.modIndex <= :cut")
        .setParameter("cut", cut)
        .executeUpdate();
  }
}
