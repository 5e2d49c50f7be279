package io.spindle.node.infrastructure.store;

import io.spindle.node.application.GroupService;
import io.spindle.node.domain.group.GroupChange;
import io.spindle.node.domain.group.GroupName;
import io.spindle.node.domain.group.InvalidGroupRequestException;
import io.spindle.node.domain.group.MemberId;
import io.spindle.node.domain.group.MemberSpec;
import io.spindle.node.domain.group.Probe;
import io.spindle.node.infrastructure.store.GroupChangeListener.Cause;
import io.spindle.node.infrastructure.store.GroupChangeListener.Change;
import io.spindle.protocol.node.CommandResult;
import io.spindle.protocol.node.ExpireMembers;
import io.spindle.protocol.node.GroupMemberRecord;
import io.spindle.protocol.node.JoinGroup;
import io.spindle.protocol.node.LeaveGroup;
import io.spindle.protocol.node.MarkMembers;
import io.spindle.protocol.node.MemberRef;
import io.spindle.protocol.node.RenewMembers;
import jakarta.persistence.EntityManager;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Applies the group membership commands of {@code node.proto} inside the batch's transaction, for
 * {@link CommandApplier}: joins (and renewals by joining again), leaves, the leader's records of
 * renewals, its expiries and its probes' verdicts. Every rule is a function of the command and the
 * rows: the bounds ({@link GroupService#MAX_MEMBERS_PER_GROUP}, {@link GroupService#MAX_GROUPS})
 * are constants, times come from the proposer. Every visible change moves its group's {@code
 * mod_index} to the entry's index and leaves an event for watchers.
 *
 * <p><b>Threading:</b> the Raft apply thread only; {@link #takeChanges} after each batch commits.
 */
final class GroupApplier {
  private final List<Change> changes = new ArrayList<>();
  private final java.util.Map<String, Integer> seqs = new java.util.HashMap<>();
  private long seqIndex = -1;

  /** Forgets what a rolled-back batch changed: called first in every batch. */
  void startBatch() {
    changes.clear();
    seqIndex = -1;
  }

  /** What the batch changed, for the listener once it committed. */
  List<Change> takeChanges() {
    List<Change> taken = List.copyOf(changes);
    changes.clear();
    return taken;
  }

  byte[] join(EntityManager em, JoinGroup join, long index) {
    GroupName group;
    MemberId id;
    MemberSpec spec;
    try {
      group = GroupName.of(GroupTables.utf8(join.getGroup().toByteArray(), "group name"));
      id = MemberId.of(GroupTables.utf8(join.getMemberId().toByteArray(), "member id"));
      spec =
          new MemberSpec(
              join.getAddress(),
              Duration.ofMillis(join.getTtlMs()),
              join.getMetaMap(),
              Probe.of(join.getProbe()));
    } catch (InvalidGroupRequestException e) {
      return result(CommandResult.Status.REJECTED, e.getMessage());
    }
    String groupHash = GroupTables.hash(group.utf8());
    String key = GroupTables.memberKey(groupHash, id.utf8());
    byte[] address = spec.address().getBytes(java.nio.charset.StandardCharsets.UTF_8);
    byte[] meta = GroupTables.encodeMeta(spec.meta());
    String probe = spec.probe().label();
    long ttlMs = spec.ttl().toMillis();
    GroupRow groupRow = em.find(GroupRow.class, groupHash);
    GroupMemberRow row = em.find(GroupMemberRow.class, key);
    boolean created = row == null;
    GroupChange.Kind kind;
    if (row != null) {
      boolean same =
          Arrays.equals(row.address(), address)
              && row.ttlMs() == ttlMs
              && row.probe().equals(probe)
              && Arrays.equals(row.meta(), meta);
      kind = !same ? GroupChange.Kind.UPDATED : row.suspect() ? GroupChange.Kind.ALIVE : null;
      row.renewed(join.getAtMillis());
      if (!same) {
        row.update(address, ttlMs, probe, meta, index);
      }
      if (row.suspect()) {
        row.mark(false, index);
      }
      if (kind != null && groupRow != null) {
        groupRow.changed(index, 0);
      }
    } else {
      String full = fullProblem(em, group, groupRow);
      if (full != null) {
        return result(CommandResult.Status.GROUP_FULL, full);
      }
      kind = GroupChange.Kind.JOINED;
      row =
          new GroupMemberRow(
              key,
              groupHash,
              id.utf8(),
              address,
              ttlMs,
              probe,
              meta,
              join.getAtMillis(),
              join.getAtMillis(),
              false,
              index,
              index);
      em.persist(row);
      if (groupRow == null) {
        em.persist(new GroupRow(groupHash, group.utf8(), index, 1));
      } else {
        groupRow.changed(index, +1);
      }
    }
    if (kind != null) {
      event(em, groupHash, index, row, kind);
    }
    GroupMemberRecord record = GroupTables.record(row, group.utf8());
    changes.add(new Change(Cause.JOIN, record, false, kind != null));
    return CommandResult.newBuilder()
        .setStatus(CommandResult.Status.OK)
        .setMember(record)
        .setCreated(created)
        .setLogIndex(index)
        .build()
        .toByteArray();
  }

  /** Why a new member cannot join {@code group}, or null. */
  private static String fullProblem(EntityManager em, GroupName group, GroupRow groupRow) {
    if (groupRow != null && groupRow.memberCount() >= GroupService.MAX_MEMBERS_PER_GROUP) {
      return "group '"
          + group
          + "' has "
          + groupRow.memberCount()
          + " members, the most a group may have; a member must leave first";
    }
    if (groupRow == null || groupRow.memberCount() == 0) {
      long groups =
          em.createQuery("SELECT COUNT(g) FROM GroupRow g WHERE g.memberCount > 0", Long.class)
              .getSingleResult();
      if (groups >= GroupService.MAX_GROUPS) {
        return "the cluster has "
            + groups
            + " groups with members, the most it keeps; join an existing group or empty one";
      }
    }
    return null;
  }

  byte[] leave(EntityManager em, LeaveGroup leave, long index) {
    byte[] group = leave.getGroup().toByteArray();
    String groupHash = GroupTables.hash(group);
    GroupMemberRow row =
        em.find(
            GroupMemberRow.class,
            GroupTables.memberKey(groupHash, leave.getMemberId().toByteArray()));
    if (row == null) {
      return result(CommandResult.Status.NOT_FOUND, "no such member");
    }
    GroupMemberRecord record = remove(em, row, group, index, GroupChange.Kind.LEFT);
    changes.add(new Change(Cause.LEAVE, record, true, true));
    return CommandResult.newBuilder()
        .setStatus(CommandResult.Status.OK)
        .setMember(record)
        .setLogIndex(index)
        .build()
        .toByteArray();
  }

  byte[] renew(EntityManager em, RenewMembers renew) {
    for (MemberRef ref : renew.getMembersList()) {
      GroupMemberRow row = same(em, ref);
      if (row != null && ref.getRenewedAtMillis() > row.renewedAtMillis()) {
        row.renewed(ref.getRenewedAtMillis());
        changes.add(
            new Change(
                Cause.RENEW, GroupTables.record(row, ref.getGroup().toByteArray()), false, false));
      }
    }
    return ok();
  }

  byte[] expire(EntityManager em, ExpireMembers expire, long index) {
    for (MemberRef ref : expire.getMembersList()) {
      GroupMemberRow row = same(em, ref);
      // A member that joined again since the leader decided (its renewal is later) stays.
      if (row != null && row.renewedAtMillis() <= ref.getRenewedAtMillis()) {
        GroupMemberRecord record =
            remove(em, row, ref.getGroup().toByteArray(), index, GroupChange.Kind.EXPIRED);
        changes.add(new Change(Cause.EXPIRE, record, true, true));
      }
    }
    return ok();
  }

  byte[] mark(EntityManager em, MarkMembers mark, long index) {
    for (MemberRef ref : mark.getMembersList()) {
      GroupMemberRow row = same(em, ref);
      if (row != null && row.suspect() != mark.getSuspect()) {
        row.mark(mark.getSuspect(), index);
        GroupRow groupRow = em.find(GroupRow.class, row.groupHash());
        if (groupRow != null) {
          groupRow.changed(index, 0);
        }
        event(
            em,
            row.groupHash(),
            index,
            row,
            mark.getSuspect() ? GroupChange.Kind.SUSPECT : GroupChange.Kind.ALIVE);
        changes.add(
            new Change(
                Cause.MARK, GroupTables.record(row, ref.getGroup().toByteArray()), false, true));
      }
    }
    return ok();
  }

  /** The member {@code ref} names, if it is still the same incarnation. */
  private static GroupMemberRow same(EntityManager em, MemberRef ref) {
    GroupMemberRow row =
        em.find(
            GroupMemberRow.class,
            GroupTables.memberKey(
                GroupTables.hash(ref.getGroup().toByteArray()), ref.getMemberId().toByteArray()));
    return row != null && row.joinIndex() == ref.getJoinIndex() ? row : null;
  }

  private GroupMemberRecord remove(
      EntityManager em, GroupMemberRow row, byte[] group, long index, GroupChange.Kind kind) {
    GroupMemberRecord record = GroupTables.record(row, group);
    event(em, row.groupHash(), index, row, kind);
    em.remove(row);
    GroupRow groupRow = em.find(GroupRow.class, row.groupHash());
    if (groupRow != null) {
      groupRow.changed(index, -1);
    }
    return record;
  }

  private void event(
      EntityManager em, String groupHash, long index, GroupMemberRow row, GroupChange.Kind kind) {
    // Several changes of one group in one entry (an expiry of many) are told apart by seq; an
    // index is one entry, applied once, so counting within the entry is enough.
    if (index != seqIndex) {
      seqIndex = index;
      seqs.clear();
    }
    int seq = seqs.merge(groupHash, 1, Integer::sum) - 1;
    em.persist(
        new GroupEventRow(groupHash, index, seq, row.memberId(), kind.label(), row.address()));
  }

  private static byte[] ok() {
    return CommandResult.newBuilder().setStatus(CommandResult.Status.OK).build().toByteArray();
  }

  private static byte[] result(CommandResult.Status status, String message) {
    return CommandResult.newBuilder().setStatus(status).setMessage(message).build().toByteArray();
  }
}
