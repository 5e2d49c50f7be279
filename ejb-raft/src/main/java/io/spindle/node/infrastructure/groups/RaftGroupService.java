package io.spindle.node.infrastructure.groups;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.spindle.node.application.ClusterUnavailableException;
import io.spindle.node.application.CommandLog;
import io.spindle.node.application.GroupLimitException;
import io.spindle.node.application.GroupService;
import io.spindle.node.application.NoSuchMemberException;
import io.spindle.node.domain.group.GroupChange;
import io.spindle.node.domain.group.GroupMember;
import io.spindle.node.domain.group.GroupName;
import io.spindle.node.domain.group.GroupSummary;
import io.spindle.node.domain.group.GroupView;
import io.spindle.node.domain.group.InvalidGroupRequestException;
import io.spindle.node.domain.group.JoinOutcome;
import io.spindle.node.domain.group.MemberId;
import io.spindle.node.domain.group.MemberKey;
import io.spindle.node.domain.group.MemberSpec;
import io.spindle.node.domain.group.MemberState;
import io.spindle.node.domain.group.Probe;
import io.spindle.node.infrastructure.store.GroupChangeListener;
import io.spindle.node.infrastructure.store.GroupQueries;
import io.spindle.protocol.node.CommandResult;
import io.spindle.protocol.node.ExpireMembers;
import io.spindle.protocol.node.GroupEventRecord;
import io.spindle.protocol.node.GroupMemberRecord;
import io.spindle.protocol.node.GroupRecord;
import io.spindle.protocol.node.JoinGroup;
import io.spindle.protocol.node.LeaveGroup;
import io.spindle.protocol.node.MarkMembers;
import io.spindle.protocol.node.MemberRef;
import io.spindle.protocol.node.NodeCommand;
import io.spindle.protocol.node.RenewMembers;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.LongSupplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * {@link GroupService} over the node's Raft log and database. Joins and leaves are proposed by the
 * leader and applied by every replica ({@code GroupApplier}); renewals are the leader's ({@link
 * GroupLeases}), which records them in the log about every {@link GroupSettings#renewalFlush()};
 * every {@link GroupSettings#sweep()} the leader proposes the removal of members whose lease ran
 * out, and runs the probes that are due ({@link MemberProbes}): a failed probe proposes the member
 * suspect, {@link GroupSettings#probeFailures()} in a row its removal. It is also the state
 * machine's {@link GroupChangeListener}: it keeps the copy of the members and wakes watchers.
 *
 * <p><b>Threading:</b> thread-safe. One scheduler thread sweeps and times watches out; a small pool
 * runs the watches' reads and the probes' HTTP client. {@link #close} stops them.
 */
public final class RaftGroupService implements GroupService, GroupChangeListener, AutoCloseable {
  private static final Logger LOG = Logger.getLogger(RaftGroupService.class.getName());

  /** The most members one proposal carries (renewals, expiries). */
  private static final int MAX_REFS_PER_ENTRY = 1_000;

  private static final Duration WRITE_TIMEOUT = Duration.ofSeconds(30);

  private final GroupQueries queries;
  private final GroupSettings settings;
  private final LongSupplier nanoTime;
  private final Clock clock;
  private final GroupLeases leases;
  private final ScheduledExecutorService scheduler;
  private final ExecutorService workers;
  private final GroupWatches watches;
  private final MemberProbes probes;
  private volatile CommandLog log;
  private volatile LongSupplier termIfLeading = () -> -1;
  private long lastFlushNanos;

  /** The term in which this node's copy of the members caught up with the log (see renewAll). */
  private volatile long caughtUpTerm = -1;

  /**
   * Loads the members; call before the state machine applies anything new, then {@link
   * #listenTo}-wire it as the state machine's listener, and {@link #start} once the log runs.
   */
  public RaftGroupService(
      GroupQueries queries,
      GroupSettings settings,
      LongSupplier nanoTime,
      Clock clock,
      ThreadFactory threads) {
    this.queries = Objects.requireNonNull(queries, "queries");
    this.settings = Objects.requireNonNull(settings, "settings");
    this.nanoTime = nanoTime;
    this.clock = clock;
    this.leases = new GroupLeases(settings);
    this.scheduler = Executors.newSingleThreadScheduledExecutor(threads);
    this.workers = Executors.newFixedThreadPool(4, threads);
    this.watches = new GroupWatches(scheduler, workers);
    this.probes = new MemberProbes(settings.probeTimeout(), workers, scheduler);
    leases.load(queries.allMembers(), nanoTime.getAsLong());
  }

  /**
   * Starts sweeping: changes go to {@code log}; {@code termIfLeading} is the term this node leads
   * in, or -1 when it does not lead.
   */
  public void start(CommandLog log, LongSupplier termIfLeading) {
    this.log = Objects.requireNonNull(log, "log");
    this.termIfLeading = Objects.requireNonNull(termIfLeading, "termIfLeading");
    lastFlushNanos = nanoTime.getAsLong();
    scheduler.scheduleWithFixedDelay(
        this::sweepSafely,
        settings.sweep().toMillis(),
        settings.sweep().toMillis(),
        TimeUnit.MILLISECONDS);
  }

  @Override
  public void close() {
    watches.changedAll();
    scheduler.shutdownNow();
    workers.shutdownNow();
  }

  // ---------------------------------------------------------------- GroupService

  @Override
  public JoinOutcome join(GroupName group, MemberId member, MemberSpec spec) {
    CommandLog l = requireLeader();
    JoinGroup join =
        JoinGroup.newBuilder()
            .setGroup(ByteString.copyFrom(group.utf8()))
            .setMemberId(ByteString.copyFrom(member.utf8()))
            .setAddress(spec.address())
            .setTtlMs(spec.ttl().toMillis())
            .putAllMeta(spec.meta())
            .setProbe(spec.probe().label())
            .setAtMillis(clock.millis())
            .build();
    CommandResult result = submit(l, NodeCommand.newBuilder().setJoinGroup(join).build());
    switch (result.getStatus()) {
      case OK:
        return new JoinOutcome(
            member(result.getMember()), result.getCreated(), result.getLogIndex());
      case GROUP_FULL:
        throw new GroupLimitException(result.getMessage());
      default:
        throw new InvalidGroupRequestException(result.getMessage());
    }
  }

  @Override
  public GroupMember renew(GroupName group, MemberId member) {
    return renewAll(List.of(new MemberKey(group, member)))
        .get(0)
        .orElseThrow(() -> NoSuchMemberException.toRenew(group, member));
  }

  @Override
  public List<Optional<GroupMember>> renewAll(List<MemberKey> members) {
    if (members.size() > MAX_RENEWALS_PER_CALL) {
      throw new InvalidGroupRequestException(
          members.size()
              + " renewals in one request; at most "
              + MAX_RENEWALS_PER_CALL
              + " are taken at once");
    }
    awaitCurrentCopy(requireLeader());
    long nanos = nanoTime.getAsLong();
    long millis = clock.millis();
    List<Optional<GroupMember>> renewed = new ArrayList<>(members.size());
    List<MemberRef> alive = new ArrayList<>();
    for (MemberKey m : members) {
      Optional<GroupMemberRecord> record = leases.renew(key(m.group(), m.id()), nanos, millis);
      record.filter(GroupMemberRecord::getSuspect).ifPresent(r -> alive.add(leases.refOf(r)));
      renewed.add(record.map(RaftGroupService::member));
    }
    if (!alive.isEmpty()) {
      propose(
          NodeCommand.newBuilder()
              .setMarkMembers(MarkMembers.newBuilder().addAllMembers(alive).setSuspect(false))
              .build(),
          List.of());
    }
    return renewed;
  }

  /**
   * Returns once this node, the leader, is confirmed to lead and its copy of the members ({@link
   * GroupLeases}) holds every change acknowledged before the call. A change this leader
   * acknowledged was applied here first (the copy follows every applied batch before its writers
   * are answered), so after the first read barrier of a term, which covers what earlier leaders
   * acknowledged, a confirmation of leadership is enough: a renewal then does not wait for the
   * apply of the writes in flight (under a stream of joins that wait would be the whole of a
   * renewal's time).
   */
  private void awaitCurrentCopy(CommandLog l) {
    long term = termIfLeading.getAsLong();
    await(l.readIndex()); // a deposed leader's copy may lack what its successor applied
    if (term >= 0 && caughtUpTerm == term && termIfLeading.getAsLong() == term) {
      return;
    }
    await(l.readBarrier());
    if (term >= 0 && termIfLeading.getAsLong() == term) {
      caughtUpTerm = term;
    }
  }

  @Override
  public boolean leave(GroupName group, MemberId member) {
    CommandLog l = requireLeader();
    LeaveGroup leave =
        LeaveGroup.newBuilder()
            .setGroup(ByteString.copyFrom(group.utf8()))
            .setMemberId(ByteString.copyFrom(member.utf8()))
            .build();
    CommandResult result = submit(l, NodeCommand.newBuilder().setLeaveGroup(leave).build());
    return result.getStatus() == CommandResult.Status.OK;
  }

  @Override
  public List<GroupSummary> groups(boolean stale) {
    barrier(stale);
    return queries.groups().stream().map(RaftGroupService::summary).toList();
  }

  @Override
  public GroupView group(GroupName group, boolean stale) {
    barrier(stale);
    return view(group, queries.group(group.utf8(), 0, false));
  }

  @Override
  public CompletableFuture<GroupView> watch(
      GroupName group, long after, Duration timeout, boolean stale) {
    long deadline = nanoTime.getAsLong() + timeout.toNanos();
    CompletableFuture<Void> ready =
        stale ? CompletableFuture.completedFuture(null) : requireLog().readBarrier();
    return ready.thenComposeAsync(v -> attempt(group, after, deadline), workers);
  }

  /**
   * Waits for the next change first, then reads: a change applied between the read and the wait
   * still wakes it.
   */
  private CompletableFuture<GroupView> attempt(GroupName group, long after, long deadline) {
    long remaining = deadline - nanoTime.getAsLong();
    CompletableFuture<Void> next =
        remaining > 0
            ? watches.next(ByteString.copyFrom(group.utf8()), Duration.ofNanos(remaining))
            : CompletableFuture.completedFuture(null);
    GroupQueries.GroupState state;
    try {
      state = queries.group(group.utf8(), after, true);
    } catch (RuntimeException e) {
      next.cancel(false);
      throw e;
    }
    if (state.index() > after || state.reset() || remaining <= 0) {
      next.cancel(false);
      return CompletableFuture.completedFuture(view(group, state));
    }
    return next.thenComposeAsync(v -> attempt(group, after, deadline), workers);
  }

  // ---------------------------------------------------------------- GroupChangeListener

  @Override
  public void applied(List<Change> changes) {
    leases.applied(changes, nanoTime.getAsLong());
    Set<ByteString> changed = new HashSet<>();
    for (Change change : changes) {
      if (change.visible()) {
        changed.add(change.member().getGroup());
      }
    }
    if (!changed.isEmpty()) {
      watches.changed(changed);
    }
  }

  @Override
  public void reloaded() {
    leases.load(queries.allMembers(), nanoTime.getAsLong());
    watches.changedAll();
  }

  // ---------------------------------------------------------------- the leader's sweep

  private void sweepSafely() {
    try {
      sweep();
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "group sweep failed; the next one tries again", e);
    }
  }

  private void sweep() {
    long term = termIfLeading.getAsLong();
    if (term < 0) {
      leases.following();
      return;
    }
    long now = nanoTime.getAsLong();
    leases.leading(term, now);
    List<MemberRef> expired;
    while (!(expired = leases.expired(now, MAX_REFS_PER_ENTRY)).isEmpty()) {
      int count = expired.size();
      LOG.info(() -> "expiring " + count + " group member(s) whose lease ran out");
      propose(
          NodeCommand.newBuilder()
              .setExpireMembers(ExpireMembers.newBuilder().addAllMembers(expired))
              .build(),
          expired);
    }
    if (now - lastFlushNanos >= settings.renewalFlush().toNanos()) {
      lastFlushNanos = now;
      List<MemberRef> renewed;
      while (!(renewed = leases.takeRenewals(MAX_REFS_PER_ENTRY)).isEmpty()) {
        propose(
            NodeCommand.newBuilder()
                .setRenewMembers(RenewMembers.newBuilder().addAllMembers(renewed))
                .build(),
            List.of());
      }
    }
    for (GroupMemberRecord member : leases.dueProbes(now, probes.room())) {
      probes
          .probe(member)
          .thenAccept(
              answered -> {
                GroupLeases.Verdict verdict =
                    leases.probed(member, answered, nanoTime.getAsLong(), clock.millis());
                onVerdict(member, verdict);
              });
    }
  }

  private void onVerdict(GroupMemberRecord member, GroupLeases.Verdict verdict) {
    MemberRef ref = leases.refOf(member);
    switch (verdict) {
      case SUSPECT, ALIVE ->
          propose(
              NodeCommand.newBuilder()
                  .setMarkMembers(
                      MarkMembers.newBuilder()
                          .addMembers(ref)
                          .setSuspect(verdict == GroupLeases.Verdict.SUSPECT))
                  .build(),
              List.of());
      case EXPIRE -> {
        LOG.info(
            () ->
                "member '"
                    + member.getMemberId().toStringUtf8()
                    + "' of group '"
                    + member.getGroup().toStringUtf8()
                    + "' failed "
                    + settings.probeFailures()
                    + " probes in a row: removing it");
        propose(
            NodeCommand.newBuilder()
                .setExpireMembers(ExpireMembers.newBuilder().addMembers(ref))
                .build(),
            List.of(ref));
      }
      case NOTHING -> {}
    }
  }

  /** Proposes without waiting; if it fails, {@code expiring} may be proposed again. */
  private void propose(NodeCommand command, List<MemberRef> expiring) {
    CommandLog l = log;
    if (l == null) {
      leases.proposalFailed(expiring);
      return;
    }
    l.submit(command.toByteArray())
        .whenComplete(
            (result, failure) -> {
              if (failure != null) {
                leases.proposalFailed(expiring);
                LOG.fine(() -> "a group proposal failed (tried again later): " + failure);
              }
            });
  }

  // ---------------------------------------------------------------- helpers

  private CommandLog requireLog() {
    CommandLog l = log;
    if (l == null) {
      throw new ClusterUnavailableException("the node is starting; retry in a moment");
    }
    return l;
  }

  private CommandLog requireLeader() {
    CommandLog l = requireLog();
    if (!l.isLeader()) {
      throw l.notLeader();
    }
    return l;
  }

  private void barrier(boolean stale) {
    if (!stale) {
      await(requireLog().readBarrier());
    }
  }

  private CommandResult submit(CommandLog l, NodeCommand command) {
    byte[] bytes = await(l.submit(command.toByteArray()));
    try {
      return CommandResult.parseFrom(bytes);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("the state machine answered something unreadable", e);
    }
  }

  private static <T> T await(CompletableFuture<T> future) {
    try {
      return future.get(WRITE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ClusterUnavailableException("interrupted while waiting for the cluster", e);
    } catch (TimeoutException e) {
      throw new ClusterUnavailableException(
          "the cluster did not answer within "
              + WRITE_TIMEOUT.toSeconds()
              + " s; it may have been applied: retry",
          e);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof CompletionException && cause.getCause() != null) {
        cause = cause.getCause();
      }
      if (cause instanceof RuntimeException runtime) {
        throw runtime;
      }
      throw new ClusterUnavailableException("the request failed: " + cause, cause);
    }
  }

  private static GroupLeases.Key key(GroupName group, MemberId member) {
    return new GroupLeases.Key(
        ByteString.copyFrom(group.utf8()), ByteString.copyFrom(member.utf8()));
  }

  private GroupView view(GroupName group, GroupQueries.GroupState state) {
    List<GroupMember> members =
        state.members().stream()
            .map(
                m ->
                    member(
                        leases
                            .member(GroupLeases.Key.of(m))
                            .filter(live -> live.getJoinIndex() == m.getJoinIndex())
                            .map(
                                live ->
                                    m.toBuilder()
                                        .setRenewedAtMillis(
                                            Math.max(
                                                m.getRenewedAtMillis(), live.getRenewedAtMillis()))
                                        .build())
                            .orElse(m)))
            .toList();
    List<GroupChange> changes = state.changes().stream().map(RaftGroupService::change).toList();
    return new GroupView(group, state.index(), members, changes, state.reset());
  }

  private static GroupChange change(GroupEventRecord e) {
    return new GroupChange(
        e.getEventIndex(),
        GroupChange.Kind.valueOf(e.getKind().toUpperCase(java.util.Locale.ROOT)),
        MemberId.of(e.getMemberId().toString(StandardCharsets.UTF_8)),
        e.getAddress());
  }

  private static GroupSummary summary(GroupRecord g) {
    return new GroupSummary(
        GroupName.of(g.getGroup().toString(StandardCharsets.UTF_8)),
        g.getMemberCount(),
        g.getModIndex());
  }

  static GroupMember member(GroupMemberRecord m) {
    return new GroupMember(
        MemberId.of(m.getMemberId().toString(StandardCharsets.UTF_8)),
        m.getAddress(),
        m.getMetaMap(),
        Instant.ofEpochMilli(m.getJoinedAtMillis()),
        Instant.ofEpochMilli(m.getRenewedAtMillis()),
        m.getSuspect() ? MemberState.SUSPECT : MemberState.ALIVE,
        Duration.ofMillis(m.getTtlMs()),
        Probe.of(m.getProbe()),
        m.getJoinIndex());
  }
}
