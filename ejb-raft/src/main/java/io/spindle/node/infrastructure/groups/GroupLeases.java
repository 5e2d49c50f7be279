package io.spindle.node.infrastructure.groups;

import com.google.protobuf.ByteString;
import io.spindle.node.infrastructure.store.GroupChangeListener;
import io.spindle.protocol.node.GroupMemberRecord;
import io.spindle.protocol.node.MemberRef;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Every node's copy of the members (kept by the applied changes), and, while the node leads, each
 * member's lease on the leader's monotonic clock: the leader alone decides that a lease ran out or
 * that probes failed. Leases are the leader's own: a node that starts to lead (a new term) gives
 * every member a full ttl from that moment before it expires anyone, so a failover never evicts a
 * member that kept renewing.
 *
 * <p>Pure logic on the clock values it is given (nanoseconds of a monotonic clock, milliseconds of
 * the wall clock for what the log records), so tests drive it deterministically.
 *
 * <p><b>Threading:</b> thread-safe (every method synchronized, none blocks).
 */
final class GroupLeases {
  /** A member, by its group's and its own UTF-8 name. */
  record Key(ByteString group, ByteString member) {
    static Key of(GroupMemberRecord m) {
      return new Key(m.getGroup(), m.getMemberId());
    }
  }

  /** What a probe's outcome asks the leader to propose. */
  enum Verdict {
    NOTHING,
    SUSPECT,
    ALIVE,
    EXPIRE
  }

  private static final class Lease {
    GroupMemberRecord member;
    long deadlineNanos;
    long renewedAtMillis; // the latest renewal the leader took (logged or not)
    boolean renewalPending; // taken, not yet proposed to the log
    boolean expiring; // proposed for expiry, not yet applied
    int failures;
    long nextProbeNanos;
    boolean probing;

    Lease(GroupMemberRecord member, long nowNanos) {
      this.member = member;
      this.renewedAtMillis = member.getRenewedAtMillis();
      this.deadlineNanos = nowNanos + member.getTtlMs() * 1_000_000L;
      this.nextProbeNanos = nowNanos;
    }
  }

  private final Map<Key, Lease> leases = new HashMap<>();

  // What the leader's sweep (ten times a second) looks at, so that it does not walk every lease:
  // the members renewed since the last record of renewals, the probed members, and a time before
  // which no lease runs out.
  private final Set<Key> renewedKeys = new LinkedHashSet<>();
  private final Set<Key> probedKeys = new LinkedHashSet<>();
  private long expiryScanAtNanos;
  private boolean expiryScanDue = true;
  private final int probeFailures;
  private final long probeIntervalNanos;
  private long leaderTerm = -1; // the term this node leads in, or -1

  GroupLeases(GroupSettings settings) {
    this.probeFailures = settings.probeFailures();
    this.probeIntervalNanos = settings.probeInterval().toNanos();
  }

  /** Starts over from the replicated members (at start, after a snapshot). */
  synchronized void load(List<GroupMemberRecord> members, long nowNanos) {
    leases.clear();
    renewedKeys.clear();
    probedKeys.clear();
    for (GroupMemberRecord m : members) {
      put(Key.of(m), new Lease(m, nowNanos));
    }
    expiryScanDue = true;
  }

  private void put(Key key, Lease lease) {
    leases.put(key, lease);
    trackProbe(key, lease);
    expiryMayComeAt(lease.deadlineNanos);
  }

  /** A lease that does not count in the bound now may run out at {@code deadlineNanos}. */
  private void expiryMayComeAt(long deadlineNanos) {
    if (deadlineNanos - expiryScanAtNanos < 0) {
      expiryScanAtNanos = deadlineNanos;
    }
  }

  private void trackProbe(Key key, Lease lease) {
    if ("none".equals(lease.member.getProbe())) {
      probedKeys.remove(key);
    } else {
      probedKeys.add(key);
    }
  }

  /** Follows what the state machine applied. */
  synchronized void applied(List<GroupChangeListener.Change> changes, long nowNanos) {
    for (GroupChangeListener.Change change : changes) {
      GroupMemberRecord m = change.member();
      Key key = Key.of(m);
      if (change.removed()) {
        Lease lease = leases.get(key);
        if (lease != null && lease.member.getJoinIndex() == m.getJoinIndex()) {
          leases.remove(key);
          renewedKeys.remove(key);
          probedKeys.remove(key);
        }
        continue;
      }
      Lease lease = leases.get(key);
      if (lease == null || lease.member.getJoinIndex() != m.getJoinIndex()) {
        put(key, new Lease(m, nowNanos));
        continue;
      }
      lease.member = m;
      trackProbe(key, lease);
      if (change.cause() == GroupChangeListener.Cause.JOIN) {
        // Joining again renews: a full ttl from when the leader sees it applied.
        lease.deadlineNanos = nowNanos + m.getTtlMs() * 1_000_000L;
        lease.renewedAtMillis = Math.max(lease.renewedAtMillis, m.getRenewedAtMillis());
        lease.failures = 0;
        lease.expiring = false;
        expiryMayComeAt(lease.deadlineNanos);
      }
    }
  }

  /**
   * This node leads in {@code term}: if it did not lead in it before, every member gets a full ttl
   * from now and probes start over.
   */
  synchronized void leading(long term, long nowNanos) {
    if (term == leaderTerm) {
      return;
    }
    leaderTerm = term;
    renewedKeys.clear();
    expiryScanDue = true;
    for (Lease lease : leases.values()) {
      lease.deadlineNanos = nowNanos + lease.member.getTtlMs() * 1_000_000L;
      lease.failures = 0;
      lease.expiring = false;
      lease.renewalPending = false;
      lease.probing = false;
      lease.nextProbeNanos = nowNanos;
    }
  }

  /** This node does not lead (any more). */
  synchronized void following() {
    leaderTerm = -1;
  }

  synchronized boolean isLeading() {
    return leaderTerm >= 0;
  }

  /**
   * Renews the member's lease: a full ttl from now; the renewal is recorded in the log with the
   * next {@link #takeRenewals}. Empty if there is no such member (or it is being expired).
   */
  synchronized Optional<GroupMemberRecord> renew(Key key, long nowNanos, long nowMillis) {
    Lease lease = leases.get(key);
    if (lease == null || lease.expiring) {
      return Optional.empty();
    }
    lease.deadlineNanos = nowNanos + lease.member.getTtlMs() * 1_000_000L;
    lease.renewedAtMillis = Math.max(lease.renewedAtMillis, nowMillis);
    lease.renewalPending = true;
    renewedKeys.add(key);
    lease.failures = 0;
    return Optional.of(lease.member.toBuilder().setRenewedAtMillis(lease.renewedAtMillis).build());
  }

  /** The member as this node has it (with the leader's latest renewal), if any. */
  synchronized Optional<GroupMemberRecord> member(Key key) {
    Lease lease = leases.get(key);
    return lease == null
        ? Optional.empty()
        : Optional.of(
            lease.member.toBuilder()
                .setRenewedAtMillis(
                    Math.max(lease.renewedAtMillis, lease.member.getRenewedAtMillis()))
                .build());
  }

  /** The renewals taken since the last call, for the log (at most {@code max}). */
  synchronized List<MemberRef> takeRenewals(int max) {
    List<MemberRef> out = new ArrayList<>();
    for (Iterator<Key> it = renewedKeys.iterator(); it.hasNext() && out.size() < max; ) {
      Lease lease = leases.get(it.next());
      if (lease == null || !lease.renewalPending) {
        it.remove();
      } else if (!lease.expiring) { // one being expired keeps its renewal in case that fails
        lease.renewalPending = false;
        out.add(ref(lease));
        it.remove();
      }
    }
    return out;
  }

  /**
   * The members whose lease ran out (while this node leads), marked as being expired so that they
   * are proposed once (see {@link #proposalFailed}); at most {@code max}.
   */
  synchronized List<MemberRef> expired(long nowNanos, int max) {
    List<MemberRef> out = new ArrayList<>();
    if (leaderTerm < 0 || (!expiryScanDue && nowNanos - expiryScanAtNanos <= 0)) {
      return out; // no lease runs out before expiryScanAtNanos
    }
    long earliest = nowNanos + Long.MAX_VALUE / 2;
    boolean complete = true;
    for (Lease lease : leases.values()) {
      if (lease.expiring) {
        continue;
      }
      if (nowNanos - lease.deadlineNanos > 0) {
        if (out.size() >= max) {
          complete = false;
          break;
        }
        lease.expiring = true;
        out.add(ref(lease));
      } else if (lease.deadlineNanos - earliest < 0) {
        earliest = lease.deadlineNanos;
      }
    }
    // Renewals only move deadlines later; a new lease, a new term or a failed expiry lowers the
    // bound again (put, leading, proposalFailed).
    expiryScanDue = !complete;
    expiryScanAtNanos = earliest;
    return out;
  }

  /** An expiry proposal of these members failed: they may be proposed again. */
  synchronized void proposalFailed(List<MemberRef> refs) {
    for (MemberRef ref : refs) {
      Lease lease = leases.get(new Key(ref.getGroup(), ref.getMemberId()));
      if (lease != null && lease.member.getJoinIndex() == ref.getJoinIndex()) {
        lease.expiring = false;
        expiryScanDue = true;
      }
    }
  }

  /** Probed members whose next probe is due (while this node leads), marked as being probed. */
  synchronized List<GroupMemberRecord> dueProbes(long nowNanos, int max) {
    List<GroupMemberRecord> out = new ArrayList<>();
    if (leaderTerm < 0) {
      return out;
    }
    for (Key key : probedKeys) {
      if (out.size() >= max) {
        break;
      }
      Lease lease = leases.get(key);
      if (!lease.probing && !lease.expiring && nowNanos - lease.nextProbeNanos >= 0) {
        lease.probing = true;
        out.add(lease.member);
      }
    }
    return out;
  }

  /**
   * A probe of {@code probed} ended: a success renews its lease; {@code probeFailures} failures in
   * a row expire it (the first one makes it suspect).
   */
  synchronized Verdict probed(
      GroupMemberRecord probed, boolean answered, long nowNanos, long nowMillis) {
    Lease lease = leases.get(Key.of(probed));
    if (lease == null || lease.member.getJoinIndex() != probed.getJoinIndex()) {
      return Verdict.NOTHING;
    }
    lease.probing = false;
    lease.nextProbeNanos = nowNanos + probeIntervalNanos;
    if (leaderTerm < 0 || lease.expiring) {
      return Verdict.NOTHING;
    }
    if (answered) {
      lease.failures = 0;
      lease.deadlineNanos = nowNanos + lease.member.getTtlMs() * 1_000_000L;
      lease.renewedAtMillis = Math.max(lease.renewedAtMillis, nowMillis);
      lease.renewalPending = true;
      renewedKeys.add(Key.of(probed));
      return lease.member.getSuspect() ? Verdict.ALIVE : Verdict.NOTHING;
    }
    lease.failures++;
    if (lease.failures >= probeFailures) {
      lease.expiring = true;
      return Verdict.EXPIRE;
    }
    return lease.member.getSuspect() ? Verdict.NOTHING : Verdict.SUSPECT;
  }

  /** The reference a proposal about this member carries. */
  synchronized MemberRef refOf(GroupMemberRecord member) {
    Lease lease = leases.get(Key.of(member));
    return lease == null ? MemberRef.getDefaultInstance() : ref(lease);
  }

  synchronized int size() {
    return leases.size();
  }

  private static MemberRef ref(Lease lease) {
    return MemberRef.newBuilder()
        .setGroup(lease.member.getGroup())
        .setMemberId(lease.member.getMemberId())
        .setJoinIndex(lease.member.getJoinIndex())
        .setRenewedAtMillis(Math.max(lease.renewedAtMillis, lease.member.getRenewedAtMillis()))
        .build();
  }
}
