package io.spindle.queue.testing;

import io.spindle.protocol.queue.ErrorCode;
import io.spindle.protocol.queue.GroupChangeInfo;
import io.spindle.protocol.queue.GroupInfo;
import io.spindle.protocol.queue.GroupJoin;
import io.spindle.protocol.queue.GroupListInfo;
import io.spindle.protocol.queue.GroupMemberInfo;
import io.spindle.protocol.queue.GroupOp;
import io.spindle.protocol.queue.GroupReply;
import io.spindle.protocol.queue.GroupShow;
import io.spindle.protocol.queue.GroupSummaryInfo;
import io.spindle.protocol.queue.Job;
import io.spindle.protocol.queue.JobResult;
import io.spindle.protocol.queue.QueueError;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What the test nodes share in place of the nodes' group membership: groups of members by id, one
 * index per change, the changes a watching show returns, and a join or leave applied once per
 * request id. Enough of the node's rules to see its errors reach a client: a name with '/' is
 * INVALID_ARGUMENT, a renewal or leave of a non-member NOT_FOUND. Nothing expires. Thread-safe; a
 * show that waits blocks its caller (a test node's job thread) until a change or its wait runs out.
 */
public final class FakeGroups {
  private final Map<String, TreeMap<String, GroupMemberInfo>> groups = new TreeMap<>();
  private final Map<String, List<GroupChangeInfo>> changes = new HashMap<>();
  private final Map<String, Long> groupIndex = new HashMap<>();
  private final Map<String, GroupReply> applied = new HashMap<>();
  private final Clock clock = Clock.systemUTC();
  private long index;

  /** Does one group job as a node would; the result has its outcome set. */
  public synchronized JobResult run(Job job) throws InterruptedException {
    GroupOp op = job.getGroup();
    String problem = nameProblem(op);
    if (problem != null) {
      return error(ErrorCode.INVALID_ARGUMENT, problem);
    }
    GroupReply first = applied.get(job.getRequestId());
    if (first != null) {
      return JobResult.newBuilder().setGroup(first).build();
    }
    return switch (op.getOpCase()) {
      case JOIN -> applied(job, join(op.getGroup(), op.getMemberId(), op.getJoin()));
      case RENEW -> renew(op.getGroup(), op.getMemberId());
      case LEAVE -> leave(job, op.getGroup(), op.getMemberId());
      case LIST -> list();
      case SHOW -> show(op.getGroup(), op.getShow());
      default -> error(ErrorCode.INVALID_ARGUMENT, "no group operation");
    };
  }

  /** The members of {@code group} now, by id. */
  public synchronized List<String> members(String group) {
    return new ArrayList<>(groups.getOrDefault(group, new TreeMap<>()).keySet());
  }

  /** Removes a member as the leader does when its lease lapses (an "expired" change). */
  public synchronized void expire(String group, String id) {
    TreeMap<String, GroupMemberInfo> members = groups.get(group);
    GroupMemberInfo m = members == null ? null : members.remove(id);
    if (m == null) {
      throw new IllegalStateException(id + " is not a member of " + group);
    }
    if (members.isEmpty()) {
      groups.remove(group);
    }
    change(group, ++index, "expired", id, m.getAddress());
  }

  private JobResult applied(Job job, GroupReply reply) {
    applied.put(job.getRequestId(), reply);
    return JobResult.newBuilder().setGroup(reply).build();
  }

  private GroupReply join(String group, String id, GroupJoin join) {
    TreeMap<String, GroupMemberInfo> members = groups.computeIfAbsent(group, g -> new TreeMap<>());
    GroupMemberInfo old = members.get(id);
    long at = ++index;
    long now = clock.millis();
    GroupMemberInfo m =
        GroupMemberInfo.newBuilder()
            .setId(id)
            .setAddress(join.getAddress())
            .putAllMeta(join.getMetaMap())
            .setJoinedAtMillis(old == null ? now : old.getJoinedAtMillis())
            .setRenewedAtMillis(now)
            .setState("alive")
            .setTtlSeconds(join.getTtlSeconds() == 0 ? 30 : join.getTtlSeconds())
            .setProbe(join.getProbe().isEmpty() ? "none" : join.getProbe())
            .setJoinIndex(old == null ? at : old.getJoinIndex())
            .build();
    members.put(id, m);
    change(group, at, old == null ? "joined" : "updated", id, join.getAddress());
    return GroupReply.newBuilder().setIndex(at).setMember(m).setCreated(old == null).build();
  }

  private JobResult renew(String group, String id) {
    GroupMemberInfo m = groups.getOrDefault(group, new TreeMap<>()).get(id);
    if (m == null) {
      return notMember(group, id);
    }
    GroupMemberInfo renewed = m.toBuilder().setRenewedAtMillis(clock.millis()).build();
    groups.get(group).put(id, renewed);
    return JobResult.newBuilder()
        .setGroup(GroupReply.newBuilder().setIndex(index).setMember(renewed))
        .build();
  }

  private JobResult leave(Job job, String group, String id) {
    TreeMap<String, GroupMemberInfo> members = groups.get(group);
    GroupMemberInfo m = members == null ? null : members.remove(id);
    if (m == null) {
      return notMember(group, id);
    }
    if (members.isEmpty()) {
      groups.remove(group);
    }
    long at = ++index;
    change(group, at, "left", id, m.getAddress());
    return applied(job, GroupReply.newBuilder().setIndex(at).build());
  }

  private JobResult list() {
    GroupListInfo.Builder l = GroupListInfo.newBuilder();
    groups.forEach(
        (g, members) ->
            l.addGroups(
                GroupSummaryInfo.newBuilder()
                    .setGroup(g)
                    .setMembers(members.size())
                    .setIndex(groupIndex.getOrDefault(g, 0L))));
    return JobResult.newBuilder()
        .setGroup(GroupReply.newBuilder().setIndex(index).setGroups(l))
        .build();
  }

  private JobResult show(String group, GroupShow show) throws InterruptedException {
    if (show.getWait()) {
      long waitMs = show.getWaitMs() == 0 ? 30_000 : show.getWaitMs();
      long deadline = System.nanoTime() + waitMs * 1_000_000;
      long left;
      while (groupIndex.getOrDefault(group, 0L) <= show.getAfter()
          && (left = deadline - System.nanoTime()) > 0) {
        wait(Math.max(1, left / 1_000_000));
      }
    }
    long at = groupIndex.getOrDefault(group, 0L);
    GroupInfo.Builder g =
        GroupInfo.newBuilder()
            .setGroup(group)
            .setIndex(at)
            .addAllMembers(groups.getOrDefault(group, new TreeMap<>()).values());
    if (show.getWait()) {
      for (GroupChangeInfo c : changes.getOrDefault(group, List.of())) {
        if (c.getIndex() > show.getAfter()) {
          g.addChanges(c);
        }
      }
    }
    return JobResult.newBuilder()
        .setGroup(GroupReply.newBuilder().setIndex(at).setGroup(g))
        .build();
  }

  private void change(String group, long at, String kind, String id, String address) {
    changes
        .computeIfAbsent(group, g -> new ArrayList<>())
        .add(
            GroupChangeInfo.newBuilder()
                .setIndex(at)
                .setKind(kind)
                .setMemberId(id)
                .setAddress(address)
                .build());
    groupIndex.put(group, at);
    notifyAll();
  }

  private static JobResult notMember(String group, String id) {
    return error(
        ErrorCode.NOT_FOUND,
        "'" + id + "' is not a member of group '" + group + "' (it expired, left or never joined)");
  }

  private static String nameProblem(GroupOp op) {
    if (op.getGroup().contains("/") || op.getMemberId().contains("/")) {
      return "a group name or member id must not contain '/'";
    }
    return null;
  }

  private static JobResult error(ErrorCode code, String message) {
    return JobResult.newBuilder()
        .setError(QueueError.newBuilder().setCode(code).setMessage(message))
        .build();
  }
}
