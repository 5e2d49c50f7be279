package io.spindle.node.infrastructure.groups;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.spindle.node.infrastructure.store.GroupChangeListener;
import io.spindle.protocol.node.GroupMemberRecord;
import io.spindle.protocol.node.MemberRef;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The leader's leases and probe verdicts, on a clock the test moves. */
class GroupLeasesTest {
  private static final long S = 1_000_000_000L;
  private final GroupLeases leases =
      new GroupLeases(GroupSettings.of(Duration.ofSeconds(2), 3, Duration.ofSeconds(1)));

  private static GroupMemberRecord member(String id, long ttlSeconds, String probe, long index) {
    return GroupMemberRecord.newBuilder()
        .setGroup(ByteString.copyFromUtf8("g"))
        .setMemberId(ByteString.copyFromUtf8(id))
        .setAddress("127.0.0.1:9")
        .setTtlMs(ttlSeconds * 1000)
        .setProbe(probe)
        .setJoinIndex(index)
        .setRenewedAtMillis(1_000)
        .build();
  }

  private static GroupLeases.Key key(String id) {
    return new GroupLeases.Key(ByteString.copyFromUtf8("g"), ByteString.copyFromUtf8(id));
  }

  @Test
  void aLeaseRunsOutATtlAfterItsLastRenewalAndIsProposedOnce() {
    leases.load(List.of(member("a", 10, "none", 1)), 0);
    leases.leading(1, 0);
    assertTrue(leases.expired(9 * S, 100).isEmpty());
    leases.renew(key("a"), 9 * S, 5_000).orElseThrow();
    assertTrue(leases.expired(18 * S, 100).isEmpty(), "renewed at 9 s: runs to 19 s");
    List<MemberRef> expired = leases.expired(19 * S + 1, 100);
    assertEquals(1, expired.size());
    assertEquals(5_000, expired.get(0).getRenewedAtMillis(), "the renewal it last took");
    assertTrue(leases.expired(20 * S, 100).isEmpty(), "proposed once");
    leases.proposalFailed(expired);
    assertEquals(1, leases.expired(21 * S, 100).size(), "proposed again after a failure");
  }

  @Test
  void aNewLeaderGivesEveryMemberAFullTtlBeforeExpiringAnyone() {
    leases.load(List.of(member("a", 10, "none", 1)), 0);
    leases.leading(1, 0);
    leases.following();
    assertTrue(leases.expired(100 * S, 100).isEmpty(), "a follower expires nobody");
    leases.leading(2, 100 * S);
    assertTrue(leases.expired(109 * S, 100).isEmpty(), "grace of a full ttl from the election");
    assertEquals(1, leases.expired(110 * S + 1, 100).size());
  }

  @Test
  void probesNeedSeveralFailuresInARowAndASuccessRenews() {
    GroupMemberRecord m = member("p", 60, "tcp", 1);
    leases.load(List.of(m), 0);
    leases.leading(1, 0);
    assertEquals(List.of(m), leases.dueProbes(0, 10));
    assertTrue(leases.dueProbes(0, 10).isEmpty(), "one probe at a time");
    assertEquals(GroupLeases.Verdict.SUSPECT, leases.probed(m, false, 1 * S, 0));
    assertTrue(leases.dueProbes(2 * S, 10).isEmpty(), "next probe a period later");
    leases.dueProbes(3 * S, 10);
    assertEquals(GroupLeases.Verdict.NOTHING, leases.probed(m, true, 3 * S, 0));
    leases.dueProbes(5 * S, 10);
    assertEquals(GroupLeases.Verdict.SUSPECT, leases.probed(m, false, 5 * S, 0));
    leases.dueProbes(7 * S, 10);
    assertEquals(GroupLeases.Verdict.SUSPECT, leases.probed(m, false, 7 * S, 0));
    leases.dueProbes(9 * S, 10);
    assertEquals(GroupLeases.Verdict.EXPIRE, leases.probed(m, false, 9 * S, 0), "third in a row");
    assertTrue(leases.expired(1000 * S, 10).isEmpty(), "already being expired");
  }

  @Test
  void aSuspectMemberThatAnswersIsAliveAgain() {
    GroupMemberRecord suspect = member("p", 60, "http", 1).toBuilder().setSuspect(true).build();
    leases.load(List.of(suspect), 0);
    leases.leading(1, 0);
    leases.dueProbes(0, 10);
    assertEquals(GroupLeases.Verdict.ALIVE, leases.probed(suspect, true, S, 0));
  }

  @Test
  void appliedChangesKeepTheCopyAndAJoinAgainRenews() {
    leases.leading(1, 0);
    GroupMemberRecord a = member("a", 10, "none", 5);
    leases.applied(List.of(change(GroupChangeListener.Cause.JOIN, a, false)), 0);
    assertTrue(leases.member(key("a")).isPresent());
    leases.applied(List.of(change(GroupChangeListener.Cause.JOIN, a, false)), 8 * S);
    assertTrue(leases.expired(17 * S, 10).isEmpty(), "joined again at 8 s");
    leases.applied(
        List.of(change(GroupChangeListener.Cause.EXPIRE, member("a", 10, "none", 4), true)), 0);
    assertTrue(leases.member(key("a")).isPresent(), "an older incarnation's removal");
    leases.applied(List.of(change(GroupChangeListener.Cause.LEAVE, a, true)), 0);
    assertTrue(leases.member(key("a")).isEmpty());
    assertTrue(leases.renew(key("a"), 0, 0).isEmpty());
  }

  @Test
  void renewalsAreTakenOnceForTheLog() {
    leases.load(List.of(member("a", 10, "none", 1), member("b", 10, "none", 2)), 0);
    leases.leading(1, 0);
    leases.renew(key("a"), S, 7_000);
    List<MemberRef> taken = leases.takeRenewals(100);
    assertEquals(1, taken.size());
    assertEquals(7_000, taken.get(0).getRenewedAtMillis());
    assertTrue(leases.takeRenewals(100).isEmpty());
  }

  @Test
  void aLeaseThatCouldRunOutBeforeTheLastSweepsEarliestDeadlineStillRunsOutOnTime() {
    leases.load(List.of(member("long", 100, "none", 1)), 0);
    leases.leading(1, 0);
    assertTrue(leases.expired(S, 10).isEmpty(), "a sweep: nothing runs out before 100 s");

    // A member joining with a short lease after that sweep.
    leases.applied(
        List.of(change(GroupChangeListener.Cause.JOIN, member("short", 5, "none", 2), false)),
        2 * S);
    assertTrue(leases.expired(7 * S, 10).isEmpty());
    assertEquals(List.of("short"), ids(leases.expired(7 * S + 1, 10)), "at 7 s, not at 100 s");

    // Its expiry failed to commit and it joined again: expired at its new deadline.
    leases.applied(
        List.of(change(GroupChangeListener.Cause.JOIN, member("short", 5, "none", 2), false)),
        8 * S);
    assertTrue(leases.expired(13 * S, 10).isEmpty());
    assertEquals(List.of("short"), ids(leases.expired(13 * S + 1, 10)));
    leases.proposalFailed(
        List.of(
            MemberRef.newBuilder()
                .setGroup(ByteString.copyFromUtf8("g"))
                .setMemberId(ByteString.copyFromUtf8("short"))
                .setJoinIndex(2)
                .build()));
    assertEquals(List.of("short"), ids(leases.expired(13 * S + 2, 10)), "proposed again");
    assertEquals(List.of("long"), ids(leases.expired(100 * S + 1, 10)));
  }

  @Test
  void aSweepTakesAtMostItsShareAndTheNextTakesTheRest() {
    leases.load(
        List.of(member("a", 1, "none", 1), member("b", 1, "none", 2), member("c", 1, "none", 3)),
        0);
    leases.leading(1, 0);
    assertEquals(2, leases.expired(2 * S, 2).size());
    assertEquals(1, leases.expired(2 * S, 2).size(), "the one left over");
    assertTrue(leases.expired(3 * S, 2).isEmpty());
  }

  @Test
  void onlyProbedMembersAreProbedAndAChangedProbeIsFollowed() {
    leases.load(List.of(member("leased", 60, "none", 1), member("tcp", 60, "tcp", 2)), 0);
    leases.leading(1, 0);
    assertEquals(
        List.of("tcp"),
        leases.dueProbes(0, 10).stream().map(m -> m.getMemberId().toStringUtf8()).toList());
    // The leased member joins again asking to be probed; the probed one leaves.
    leases.applied(
        List.of(
            change(GroupChangeListener.Cause.JOIN, member("leased", 60, "http", 1), false),
            change(GroupChangeListener.Cause.LEAVE, member("tcp", 60, "tcp", 2), true)),
        S);
    assertEquals(
        List.of("leased"),
        leases.dueProbes(S, 10).stream().map(m -> m.getMemberId().toStringUtf8()).toList());
  }

  @Test
  void aRenewalOfAMemberBeingExpiredIsKeptUntilTheExpiryFails() {
    leases.load(List.of(member("a", 10, "none", 1)), 0);
    leases.leading(1, 0);
    leases.renew(key("a"), S, 3_000);
    List<MemberRef> expired = leases.expired(12 * S, 10);
    assertEquals(1, expired.size());
    assertTrue(leases.takeRenewals(10).isEmpty(), "not while it is being expired");
    leases.proposalFailed(expired);
    assertEquals(1, leases.takeRenewals(10).size(), "the renewal, once the expiry failed");
  }

  private static List<String> ids(List<MemberRef> refs) {
    return refs.stream().map(r -> r.getMemberId().toStringUtf8()).toList();
  }

  private static GroupChangeListener.Change change(
      GroupChangeListener.Cause cause, GroupMemberRecord m, boolean removed) {
    return new GroupChangeListener.Change(cause, m, removed, true);
  }
}
