package io.spindle.node.infrastructure.queue;

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
import java.util.function.Supplier;

/**
 * A group service in memory for the queue path's tests: one index per change, nothing expires, a
 * watch completes when its group changes (its timeout is the test's to play out with {@link
 * #timeOutWatches}). {@link #failWith} makes every call throw, as the real service does when it is
 * not the leader or has no quorum. Thread-safe.
 */
final class FakeGroupService implements GroupService {
  static final Instant T0 = Instant.parse("2026-12-06T10:15:30Z");

  record Watch(
      GroupName group,
      long after,
      Duration timeout,
      boolean stale,
      CompletableFuture<GroupView> future) {}

  private final Map<GroupName, TreeMap<MemberId, GroupMember>> groups = new TreeMap<>();
  private final Map<GroupName, List<GroupChange>> changes = new TreeMap<>();
  private final Map<GroupName, Long> indexes = new TreeMap<>();
  final List<Watch> watches = new ArrayList<>();
  private long index = 100;
  private volatile Supplier<RuntimeException> failure;

  /** From now on every call throws what {@code failure} gives (null: none). */
  void failWith(Supplier<RuntimeException> failure) {
    this.failure = failure;
  }

  private void maybeFail() {
    Supplier<RuntimeException> f = failure;
    if (f != null) {
      throw f.get();
    }
  }

  @Override
  public synchronized JoinOutcome join(GroupName group, MemberId member, MemberSpec spec) {
    maybeFail();
    TreeMap<MemberId, GroupMember> members = groups.computeIfAbsent(group, g -> new TreeMap<>());
    GroupMember old = members.get(member);
    long at = ++index;
    GroupMember m =
        new GroupMember(
            member,
            spec.address(),
            spec.meta(),
            old == null ? T0 : old.joinedAt(),
            T0.plusSeconds(at),
            MemberState.ALIVE,
            spec.ttl(),
            spec.probe(),
            old == null ? at : old.joinIndex());
    members.put(member, m);
    change(group, at, old == null ? GroupChange.Kind.JOINED : GroupChange.Kind.UPDATED, m);
    return new JoinOutcome(m, old == null, at);
  }

  @Override
  public synchronized GroupMember renew(GroupName group, MemberId member) {
    maybeFail();
    GroupMember m = groups.getOrDefault(group, new TreeMap<>()).get(member);
    if (m == null) {
      throw new NoSuchMemberException("'" + member + "' is not a member of group '" + group + "'");
    }
    return m;
  }

  @Override
  public synchronized boolean leave(GroupName group, MemberId member) {
    maybeFail();
    TreeMap<MemberId, GroupMember> members = groups.get(group);
    GroupMember m = members == null ? null : members.remove(member);
    if (m == null) {
      return false;
    }
    if (members.isEmpty()) {
      groups.remove(group);
    }
    change(group, ++index, GroupChange.Kind.LEFT, m);
    return true;
  }

  @Override
  public synchronized List<GroupSummary> groups(boolean stale) {
    maybeFail();
    List<GroupSummary> out = new ArrayList<>();
    groups.forEach((g, m) -> out.add(new GroupSummary(g, m.size(), indexes.get(g))));
    return out;
  }

  @Override
  public synchronized GroupView group(GroupName group, boolean stale) {
    maybeFail();
    return view(group, List.of());
  }

  @Override
  public synchronized CompletableFuture<GroupView> watch(
      GroupName group, long after, Duration timeout, boolean stale) {
    maybeFail();
    CompletableFuture<GroupView> f = new CompletableFuture<>();
    watches.add(new Watch(group, after, timeout, stale, f));
    answerWatches();
    return f;
  }

  /** Every waiting watch runs out: answered with its group unchanged. */
  synchronized void timeOutWatches() {
    for (Watch w : watches) {
      w.future().complete(view(w.group(), List.of()));
    }
    watches.clear();
  }

  private void change(GroupName group, long at, GroupChange.Kind kind, GroupMember m) {
    changes
        .computeIfAbsent(group, g -> new ArrayList<>())
        .add(new GroupChange(at, kind, m.id(), m.address()));
    indexes.put(group, at);
    answerWatches();
  }

  private void answerWatches() {
    watches.removeIf(
        w -> {
          if (w.future().isDone()) {
            return true;
          }
          if (indexes.getOrDefault(w.group(), 0L) <= w.after()) {
            return false;
          }
          List<GroupChange> after =
              changes.getOrDefault(w.group(), List.of()).stream()
                  .filter(c -> c.index() > w.after())
                  .toList();
          w.future().complete(view(w.group(), after));
          return true;
        });
  }

  private GroupView view(GroupName group, List<GroupChange> changes) {
    return new GroupView(
        group,
        indexes.getOrDefault(group, 0L),
        List.copyOf(groups.getOrDefault(group, new TreeMap<>()).values()),
        changes,
        false);
  }
}
