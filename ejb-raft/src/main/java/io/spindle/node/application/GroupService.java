package io.spindle.node.application;

import io.spindle.node.domain.group.GroupMember;
import io.spindle.node.domain.group.GroupName;
import io.spindle.node.domain.group.GroupSummary;
import io.spindle.node.domain.group.GroupView;
import io.spindle.node.domain.group.JoinOutcome;
import io.spindle.node.domain.group.MemberId;
import io.spindle.node.domain.group.MemberKey;
import io.spindle.node.domain.group.MemberSpec;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * Group membership: services join named groups with an id and an address, renew their lease (or are
 * probed by the leader), and leave; the leader removes members whose lease ran out or whose probes
 * failed several times in a row, through the log, so that every replica removes them at the same
 * index. A new leader gives every member a full lease before it expires anyone.
 *
 * <p>Changes ({@link #join}, {@link #renew}, {@link #leave}) are the leader's: on another node they
 * throw {@link NotLeaderException}. Reads are linearizable (ReadIndex) unless {@code stale}.
 *
 * <p><b>Threading:</b> thread-safe; the synchronous methods may block the caller (never the Raft
 * driver); {@link #watch} does not block. <b>Errors:</b> {@link NotLeaderException}, {@link
 * ClusterUnavailableException}, {@link NoSuchMemberException}, {@link GroupLimitException}, {@link
 * io.spindle.node.domain.group.InvalidGroupRequestException}.
 */
public interface GroupService {
  /** The most members one group may have. */
  int MAX_MEMBERS_PER_GROUP = 10_000;

  /** The most groups (with members) the cluster keeps. */
  int MAX_GROUPS = 10_000;

  /**
   * Joins {@code member} to {@code group}, or renews it if it is a member (updating its address,
   * lease, metadata and probe if they differ). Returns once the join is applied on this node.
   */
  JoinOutcome join(GroupName group, MemberId member, MemberSpec spec);

  /**
   * Renews the member's lease (a full ttl from now, as the leader measures it); the log records the
   * renewal within about a second. Throws {@link NoSuchMemberException} if it is not a member (it
   * expired, left, or never joined: join again).
   */
  GroupMember renew(GroupName group, MemberId member);

  /** The most members one {@link #renewAll} renews. */
  int MAX_RENEWALS_PER_CALL = 1_000;

  /**
   * Renews each of {@code members} as {@link #renew} does, with one confirmation of leadership for
   * all (at most {@link #MAX_RENEWALS_PER_CALL}): in the same order, the renewed member, or empty
   * where it is not a member. This default renews them one by one.
   */
  default List<Optional<GroupMember>> renewAll(List<MemberKey> members) {
    List<Optional<GroupMember>> renewed = new java.util.ArrayList<>(members.size());
    for (MemberKey m : members) {
      try {
        renewed.add(Optional.of(renew(m.group(), m.id())));
      } catch (NoSuchMemberException e) {
        renewed.add(Optional.empty());
      }
    }
    return renewed;
  }

  /** Removes the member; returns false if it was not one. */
  boolean leave(GroupName group, MemberId member);

  /** Every group that has members, by name (unsigned byte order). */
  List<GroupSummary> groups(boolean stale);

  /** The group's members (none if it has none), with the index of its latest change. */
  GroupView group(GroupName group, boolean stale);

  /**
   * The group once it has changed after log index {@code after}: at once if it has, else when it
   * does, else when {@code timeout} runs out (then with no changes and its index unchanged). The
   * view carries the changes after {@code after}, or {@code reset} if they are no longer all
   * remembered. Fails like the reads do.
   */
  CompletableFuture<GroupView> watch(GroupName group, long after, Duration timeout, boolean stale);
}
