package io.spindle.web.api;

import io.spindle.node.application.GroupService;
import io.spindle.node.application.NoSuchMemberException;
import io.spindle.node.domain.group.GroupChange;
import io.spindle.node.domain.group.GroupMember;
import io.spindle.node.domain.group.GroupName;
import io.spindle.node.domain.group.GroupSummary;
import io.spindle.node.domain.group.GroupView;
import io.spindle.node.domain.group.JoinOutcome;
import io.spindle.node.domain.group.MemberId;
import io.spindle.node.domain.group.MemberSpec;
import io.spindle.node.domain.group.MemberState;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * {@link GroupService} in memory for the API's tests: one counter stands for the log index, every
 * change is remembered, and watches complete on the next change of their group or at their timeout.
 * Its clock is fixed, so views are exact.
 */
final class InMemoryGroups implements GroupService {
  static final Instant NOW = Instant.parse("2026-12-06T19:20:00Z");

  private final Map<GroupName, TreeMap<MemberId, GroupMember>> groups = new TreeMap<>();
  private final List<GroupChangeAt> changes = new ArrayList<>();
  private final List<Watch> watches = new ArrayList<>();
  private long index;

  private record GroupChangeAt(GroupName group, GroupChange change) {}

  private record Watch(
      GroupName group, long after, boolean stale, CompletableFuture<GroupView> f) {}

  @Override
  public synchronized JoinOutcome join(GroupName group, MemberId member, MemberSpec spec) {
    TreeMap<MemberId, GroupMember> members = groups.computeIfAbsent(group, g -> new TreeMap<>());
    GroupMember was = members.get(member);
    long at = ++index;
    GroupMember now =
        new GroupMember(
            member,
            spec.address(),
            spec.meta(),
            was == null ? NOW : was.joinedAt(),
            NOW,
            MemberState.ALIVE,
            spec.ttl(),
            spec.probe(),
            was == null ? at : was.joinIndex());
    members.put(member, now);
    change(
        group,
        new GroupChange(
            at,
            was == null ? GroupChange.Kind.JOINED : GroupChange.Kind.UPDATED,
            member,
            spec.address()));
    return new JoinOutcome(now, was == null, at);
  }

  @Override
  public synchronized GroupMember renew(GroupName group, MemberId member) {
    GroupMember m = groups.getOrDefault(group, new TreeMap<>()).get(member);
    if (m == null) {
      throw new NoSuchMemberException("'" + member + "' is not a member of group '" + group + "'");
    }
    return m;
  }

  @Override
  public synchronized boolean leave(GroupName group, MemberId member) {
    TreeMap<MemberId, GroupMember> members = groups.get(group);
    if (members == null || members.remove(member) == null) {
      return false;
    }
    if (members.isEmpty()) {
      groups.remove(group);
    }
    change(group, new GroupChange(++index, GroupChange.Kind.LEFT, member, null));
    return true;
  }

  @Override
  public synchronized List<GroupSummary> groups(boolean stale) {
    return groups.keySet().stream()
        .map(g -> new GroupSummary(g, groups.get(g).size(), latest(g)))
        .toList();
  }

  @Override
  public synchronized GroupView group(GroupName group, boolean stale) {
    return view(group, -1);
  }

  @Override
  public synchronized CompletableFuture<GroupView> watch(
      GroupName group, long after, Duration timeout, boolean stale) {
    if (latest(group) > after) {
      return CompletableFuture.completedFuture(view(group, after));
    }
    CompletableFuture<GroupView> f = new CompletableFuture<>();
    watches.add(new Watch(group, after, stale, f));
    f.completeOnTimeout(null, timeout.toMillis(), TimeUnit.MILLISECONDS);
    return f.thenApply(v -> v != null ? v : unchanged(group));
  }

  /** Fails every waiting watch, as a service that lost its leader would. */
  synchronized void failWatches(RuntimeException e) {
    watches.forEach(w -> w.f().completeExceptionally(e));
    watches.clear();
  }

  synchronized int waiting() {
    watches.removeIf(w -> w.f().isDone());
    return watches.size();
  }

  private synchronized GroupView unchanged(GroupName group) {
    return view(group, -1);
  }

  private void change(GroupName group, GroupChange change) {
    changes.add(new GroupChangeAt(group, change));
    for (Watch w : List.copyOf(watches)) {
      if (w.group().equals(group)) {
        watches.remove(w);
        w.f().complete(view(group, w.after()));
      }
    }
  }

  private long latest(GroupName group) {
    return changes.stream()
        .filter(c -> c.group().equals(group))
        .mapToLong(c -> c.change().index())
        .max()
        .orElse(0);
  }

  /** The group; with the changes after {@code after} unless it is negative. */
  private GroupView view(GroupName group, long after) {
    List<GroupChange> since =
        after < 0
            ? List.of()
            : changes.stream()
                .filter(c -> c.group().equals(group) && c.change().index() > after)
                .map(GroupChangeAt::change)
                .toList();
    return new GroupView(
        group,
        latest(group),
        List.copyOf(groups.getOrDefault(group, new TreeMap<>()).values()),
        since,
        false);
  }
}
