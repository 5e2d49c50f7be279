package io.spindle.node.infrastructure.store;

import com.google.protobuf.ByteString;
import io.spindle.protocol.node.GroupEventRecord;
import io.spindle.protocol.node.GroupMemberRecord;
import io.spindle.protocol.node.GroupRecord;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Group membership as this replica has it, each read in one read transaction.
 *
 * <p><b>Threading:</b> thread-safe; any thread.
 */
public final class GroupQueries {
  private final StoreTransactions transactions;
  private final StoreSettings settings;

  GroupQueries(StoreTransactions transactions, StoreSettings settings) {
    this.transactions = Objects.requireNonNull(transactions, "transactions");
    this.settings = Objects.requireNonNull(settings, "settings");
  }

  /**
   * A group as of one read: the index of its latest change (0 if none is remembered), its members
   * by id, and the changes after {@code after} (when asked), or {@code reset} if some of those were
   * collected.
   */
  public record GroupState(
      long index, List<GroupMemberRecord> members, List<GroupEventRecord> changes, boolean reset) {}

  /** Every group that has members, by name (unsigned bytes). */
  public List<GroupRecord> groups() {
    return transactions.read(
        em -> {
          List<GroupRecord> out = new ArrayList<>();
          for (GroupRow g :
              em.createQuery(
                      "SELECT g FROM GroupRow g WHERE g.memberCount > 0 ORDER BY g.groupName",
                      GroupRow.class)
                  .getResultList()) {
            out.add(
                GroupRecord.newBuilder()
                    .setGroup(ByteString.copyFrom(g.groupName()))
                    .setModIndex(g.modIndex())
                    .setMemberCount(g.memberCount())
                    .build());
          }
          return out;
        });
  }

  /** Every member of every group (what the leader keeps leases of). */
  public List<GroupMemberRecord> allMembers() {
    return transactions.read(
        em -> {
          List<GroupMemberRecord> out = new ArrayList<>();
          for (Object[] m :
              em.createQuery(
                      "SELECT m, g.groupName FROM GroupMemberRow m, GroupRow g"
                          + " WHERE g.groupHash = m.groupHash",
                      Object[].class)
                  .getResultList()) {
            out.add(GroupTables.record((GroupMemberRow) m[0], (byte[]) m[1]));
          }
          return out;
        });
  }

  /**
   * The group {@code name} (UTF-8); with {@code withChanges}, the changes after {@code after} too.
   */
  public GroupState group(byte[] name, long after, boolean withChanges) {
    String groupHash = GroupTables.hash(name);
    return transactions.read(
        em -> {
          AppliedRow applied = em.find(AppliedRow.class, AppliedRow.ID);
          GroupRow g = em.find(GroupRow.class, groupHash);
          List<GroupMemberRecord> members = new ArrayList<>();
          for (GroupMemberRow m :
              em.createQuery(
                      "SELECT m FROM GroupMemberRow m WHERE m.groupHash = :g ORDER BY m.memberId",
                      GroupMemberRow.class)
                  .setParameter("g", groupHash)
                  .getResultList()) {
            members.add(GroupTables.record(m, name));
          }
          List<GroupEventRecord> changes = new ArrayList<>();
          boolean reset = false;
          long index = g == null ? 0 : g.modIndex();
          if (withChanges && index > after) {
            // Changes after `after` were collected if it is below the cut: start over.
            reset = after < eventCut(applied.appliedIndex());
            if (!reset) {
              for (GroupEventRow e :
                  em.createQuery(
                          "SELECT e FROM GroupEventRow e WHERE e.groupHash = :g"
                              + " AND e.eventIndex > :after ORDER BY e.eventIndex, e.seq",
                          GroupEventRow.class)
                      .setParameter("g", groupHash)
                      .setParameter("after", after)
                      .getResultList()) {
                changes.add(
                    GroupEventRecord.newBuilder()
                        .setGroup(ByteString.copyFrom(name))
                        .setEventIndex(e.eventIndex())
                        .setSeq(e.seq())
                        .setMemberId(ByteString.copyFrom(e.memberId()))
                        .setKind(e.kind())
                        .setAddress(new String(e.address(), StandardCharsets.UTF_8))
                        .build());
              }
            }
          }
          return new GroupState(index, members, changes, reset);
        });
  }

  /**
   * The index at or below which events may have been collected when the log is applied up to {@code
   * applied}: the garbage collection's cut at the last multiple of its period.
   */
  long eventCut(long applied) {
    long lastCollection = applied / settings.gcEveryEntries() * settings.gcEveryEntries();
    return lastCollection - settings.requestTtlEntries();
  }
}
