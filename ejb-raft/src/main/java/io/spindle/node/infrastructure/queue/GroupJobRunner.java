package io.spindle.node.infrastructure.queue;

import io.spindle.node.application.ClusterUnavailableException;
import io.spindle.node.application.GroupLimitException;
import io.spindle.node.application.GroupService;
import io.spindle.node.application.NoSuchMemberException;
import io.spindle.node.application.NotLeaderException;
import io.spindle.node.domain.group.GroupChange;
import io.spindle.node.domain.group.GroupMember;
import io.spindle.node.domain.group.GroupName;
import io.spindle.node.domain.group.GroupSummary;
import io.spindle.node.domain.group.GroupView;
import io.spindle.node.domain.group.InvalidGroupRequestException;
import io.spindle.node.domain.group.JoinOutcome;
import io.spindle.node.domain.group.MemberId;
import io.spindle.node.domain.group.MemberSpec;
import io.spindle.node.domain.group.Probe;
import io.spindle.node.infrastructure.queue.JobRunner.CannotRunHereException;
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
import io.spindle.protocol.queue.JobResult;
import io.spindle.raft.server.RaftException;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.function.Supplier;

/**
 * Does the group membership jobs ({@link GroupOp}) against this node's {@link GroupService}, and
 * maps what it answers to {@link GroupReply}: a join, renewal or leave on the leader (on another
 * node it goes back to the queue, for the leader), a list or show on any node. A show that waits
 * for a change ({@link GroupShow#getWait()}) does not hold a job thread: {@link #start} returns the
 * service's watch, which completes when the group changes or the wait runs out.
 *
 * <p>Errors the client sees: NOT_FOUND for a renewal or leave of a non-member, INVALID_ARGUMENT
 * (with the service's sentence) for a name, address, lease, metadata or probe that breaks a rule
 * and for a join past a limit. A job this node cannot do now ({@link NotLeaderException}, {@link
 * ClusterUnavailableException}) is given back with {@link CannotRunHereException}.
 *
 * <p><b>Threading:</b> stateless apart from the service supplier; any thread. {@link #run} blocks
 * on the service; {@link #start} of a waiting show does not.
 */
final class GroupJobRunner {
  /** The longest a show may wait for a change (GroupShow.wait_ms). */
  static final Duration MAX_WAIT = Duration.ofSeconds(60);

  /** How long a show waits when it does not say (wait_ms 0). */
  static final Duration DEFAULT_WAIT = Duration.ofSeconds(30);

  private final Supplier<GroupService> groups;
  private final Supplier<String> nodeId;

  /**
   * @param groups this node's group membership; null until the node offers it (its jobs are then
   *     answered UNAVAILABLE)
   * @param nodeId this node's id, for messages
   */
  GroupJobRunner(Supplier<GroupService> groups, Supplier<String> nodeId) {
    this.groups = Objects.requireNonNull(groups, "groups");
    this.nodeId = Objects.requireNonNull(nodeId, "nodeId");
  }

  /** Does {@code op} on this thread, a waiting show included (it blocks until its answer). */
  JobResult.Builder run(GroupOp op) {
    try {
      return start(op, Runnable::run).join();
    } catch (CompletionException e) {
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      throw e;
    }
  }

  /**
   * Starts {@code op}: everything but a waiting show is done on this thread and returns a completed
   * future; a waiting show returns at once, and its answer is built on {@code finishOn} when the
   * group changes or the wait runs out. The future fails with {@link CannotRunHereException} to
   * give the job back.
   */
  CompletableFuture<JobResult.Builder> start(GroupOp op, Executor finishOn) {
    try {
      GroupService service = groups.get();
      if (service == null) {
        return CompletableFuture.completedFuture(
            FailedJobResult.of(
                ErrorCode.UNAVAILABLE,
                "node " + nodeId.get() + " does not offer group membership yet; retry shortly"));
      }
      if (op.hasShow() && op.getShow().getWait()) {
        CompletableFuture<GroupView> watch = watch(service, op);
        CompletableFuture<JobResult.Builder> result =
            watch.handleAsync(this::finishWatch, finishOn);
        // The worker cancels a wait nobody can be answered for; so does the service then.
        result.whenComplete(
            (r, e) -> {
              if (result.isCancelled()) {
                watch.cancel(false);
              }
            });
        return result;
      }
      return CompletableFuture.completedFuture(runNow(service, op));
    } catch (RuntimeException e) {
      try {
        return CompletableFuture.completedFuture(outcome(e));
      } catch (RuntimeException givenBackOrFailed) {
        return CompletableFuture.failedFuture(givenBackOrFailed);
      }
    }
  }

  private JobResult.Builder runNow(GroupService service, GroupOp op) {
    return switch (op.getOpCase()) {
      case JOIN -> join(service, op);
      case RENEW -> renew(service, op);
      case LEAVE -> leave(service, op);
      case LIST -> list(service, op.getList().getStale());
      case SHOW -> show(service.group(GroupName.of(op.getGroup()), op.getShow().getStale()));
      case OP_NOT_SET ->
          FailedJobResult.of(
              ErrorCode.INVALID_ARGUMENT,
              "a group request names its operation: join, renew, leave, list or show");
    };
  }

  private JobResult.Builder join(GroupService service, GroupOp op) {
    GroupJoin j = op.getJoin();
    MemberSpec spec =
        new MemberSpec(
            j.getAddress(),
            j.getTtlSeconds() == 0
                ? null
                : Duration.ofSeconds(Integer.toUnsignedLong(j.getTtlSeconds())),
            j.getMetaMap(),
            Probe.of(j.getProbe()));
    JoinOutcome joined =
        service.join(GroupName.of(op.getGroup()), MemberId.of(op.getMemberId()), spec);
    return reply(
        GroupReply.newBuilder()
            .setIndex(joined.index())
            .setMember(member(joined.member()))
            .setCreated(joined.created()));
  }

  /** A renewal's index is 0: the log records renewals later, in batches. */
  private JobResult.Builder renew(GroupService service, GroupOp op) {
    GroupMember m = service.renew(GroupName.of(op.getGroup()), MemberId.of(op.getMemberId()));
    return reply(GroupReply.newBuilder().setMember(member(m)));
  }

  /** A leave answers with the group's index after it, as this node (the leader) has applied it. */
  private JobResult.Builder leave(GroupService service, GroupOp op) {
    GroupName group = GroupName.of(op.getGroup());
    MemberId id = MemberId.of(op.getMemberId());
    if (!service.leave(group, id)) {
      return notMember(group, id);
    }
    return reply(GroupReply.newBuilder().setIndex(service.group(group, true).index()));
  }

  /** A list answers with the highest index of its groups. */
  private static JobResult.Builder list(GroupService service, boolean stale) {
    GroupListInfo.Builder l = GroupListInfo.newBuilder();
    long index = 0;
    for (GroupSummary s : service.groups(stale)) {
      l.addGroups(
          GroupSummaryInfo.newBuilder()
              .setGroup(s.group().value())
              .setMembers(s.members())
              .setIndex(s.index()));
      index = Math.max(index, s.index());
    }
    return reply(GroupReply.newBuilder().setIndex(index).setGroups(l));
  }

  private static JobResult.Builder show(GroupView view) {
    return reply(GroupReply.newBuilder().setIndex(view.index()).setGroup(group(view)));
  }

  private static CompletableFuture<GroupView> watch(GroupService service, GroupOp op) {
    GroupShow show = op.getShow();
    long waitMs = Integer.toUnsignedLong(show.getWaitMs());
    if (waitMs > MAX_WAIT.toMillis()) {
      throw new InvalidGroupRequestException(
          "a show waits at most "
              + MAX_WAIT.toSeconds()
              + " s for a change (wait_ms "
              + MAX_WAIT.toMillis()
              + "), not "
              + waitMs
              + " ms; ask again with after= the index of its answer");
    }
    Duration wait = waitMs == 0 ? DEFAULT_WAIT : Duration.ofMillis(waitMs);
    return service.watch(GroupName.of(op.getGroup()), show.getAfter(), wait, show.getStale());
  }

  private JobResult.Builder finishWatch(GroupView view, Throwable failure) {
    if (failure != null) {
      Throwable cause =
          failure instanceof CompletionException && failure.getCause() != null
              ? failure.getCause()
              : failure;
      if (cause instanceof RuntimeException r) {
        return outcome(r);
      }
      throw new CompletionException(cause);
    }
    return show(view);
  }

  /**
   * What an exception of the service means for the job: an error for the client, or the job given
   * back ({@link CannotRunHereException} thrown); anything else is a failure on this node (thrown
   * as it is).
   */
  private JobResult.Builder outcome(RuntimeException e) {
    if (e instanceof NoSuchMemberException) {
      return FailedJobResult.of(ErrorCode.NOT_FOUND, e.getMessage());
    }
    if (e instanceof InvalidGroupRequestException || e instanceof GroupLimitException) {
      return FailedJobResult.of(ErrorCode.INVALID_ARGUMENT, e.getMessage());
    }
    if (e instanceof NotLeaderException) {
      throw new CannotRunHereException("node " + nodeId.get() + " is not the leader");
    }
    if (e instanceof ClusterUnavailableException || e instanceof RaftException) {
      throw new CannotRunHereException("node " + nodeId.get() + " cannot do it now: " + e);
    }
    throw e;
  }

  private static JobResult.Builder notMember(GroupName group, MemberId id) {
    return FailedJobResult.of(
        ErrorCode.NOT_FOUND,
        "'" + id + "' is not a member of group '" + group + "' (it left, expired or never joined)");
  }

  private static JobResult.Builder reply(GroupReply.Builder reply) {
    return JobResult.newBuilder().setGroup(reply);
  }

  static GroupInfo group(GroupView view) {
    GroupInfo.Builder g =
        GroupInfo.newBuilder()
            .setGroup(view.group().value())
            .setIndex(view.index())
            .setReset(view.reset());
    for (GroupMember m : view.members()) {
      g.addMembers(member(m));
    }
    for (GroupChange c : view.changes()) {
      g.addChanges(change(c));
    }
    return g.build();
  }

  static GroupMemberInfo member(GroupMember m) {
    return GroupMemberInfo.newBuilder()
        .setId(m.id().value())
        .setAddress(m.address())
        .putAllMeta(m.meta() == null ? java.util.Map.of() : m.meta())
        .setJoinedAtMillis(m.joinedAt() == null ? 0 : m.joinedAt().toEpochMilli())
        .setRenewedAtMillis(m.lastRenewed() == null ? 0 : m.lastRenewed().toEpochMilli())
        .setState(m.state().label())
        .setTtlSeconds((int) Math.min(Integer.MAX_VALUE, m.ttl().toSeconds()))
        .setProbe(m.probe().label())
        .setJoinIndex(m.joinIndex())
        .build();
  }

  static GroupChangeInfo change(GroupChange c) {
    return GroupChangeInfo.newBuilder()
        .setIndex(c.index())
        .setKind(c.kind().label())
        .setMemberId(c.member().value())
        .setAddress(c.address() == null ? "" : c.address())
        .build();
  }
}
