package io.spindle.raft.server;

import io.spindle.raft.FollowerProgress;
import io.spindle.raft.NodeId;
import io.spindle.raft.ProposeResult;
import io.spindle.raft.RaftNode;
import io.spindle.raft.Role;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

/**
 * A {@link RaftDriver}'s leadership transfers: to a node a caller named, or, on a hand-over (as
 * {@link RaftDriver#close()} does first), to the most up-to-date recently active voter. A transfer
 * succeeds once this node sees its target lead, and its outcome is unknown once its timeout passed.
 *
 * <p><b>Threading:</b> {@link #newTransfer} and {@link #newHandOver} on any thread (they read only
 * final fields); everything else, and the requests' {@code run}, on the driver's thread, which owns
 * the node. <b>Blocking:</b> never; futures complete on the driver's thread.
 */
final class LeadershipTransfers {
  /** The driver's logger: operators configure and read the node's story under that one name. */
  private static final Logger LOG = Logger.getLogger(RaftDriver.class.getName());

  private final NodeId id;
  private final RaftNode node;
  private final long requestTimeoutNanos;
  private final long transferTimeoutNanos;
  private final List<Transfer> transfers = new ArrayList<>();

  LeadershipTransfers(NodeId id, RaftNode node, RaftNodeSettings settings, long tickNanos) {
    this.id = id;
    this.node = node;
    this.requestTimeoutNanos = settings.requestTimeout().toNanos();
    this.transferTimeoutNanos =
        Math.max(
            settings.closeTransferTimeout().toNanos(),
            3L * settings.raft().electionTicks() * tickNanos);
  }

  /** A request to hand leadership to {@code target}, to queue for the driver's thread. */
  DriverRequest<Void> newTransfer(NodeId target) {
    return new TransferRequest(target);
  }

  /** A request to hand leadership to the best successor, to queue for the driver's thread. */
  DriverRequest<Void> newHandOver() {
    return new HandOver();
  }

  boolean isEmpty() {
    return transfers.isEmpty();
  }

  /** Finishes the transfers whose target leads now, or whose timeout passed. */
  void check(long now) {
    Optional<NodeId> leader = node.leader();
    Iterator<Transfer> it = transfers.iterator();
    while (it.hasNext()) {
      Transfer t = it.next();
      if (leader.isPresent() && leader.get().equals(t.target)) {
        it.remove();
        t.request.succeed(null);
      } else if (now - t.deadline >= 0) {
        it.remove();
        t.request.abort(
            new OutcomeUnknownException(
                "leadership did not move to "
                    + t.target
                    + " within "
                    + TimeUnit.NANOSECONDS.toMillis(transferTimeoutNanos)
                    + " ms; the leader is "
                    + leader.map(NodeId::toString).orElse("unknown")));
      }
    }
  }

  /** Fails every transfer under way: the node stopped. */
  void abortAll(RaftException stopped) {
    transfers.forEach(t -> t.request.abort(stopped));
    transfers.clear();
  }

  private void start(NodeId target, DriverRequest<Void> request) {
    ProposeResult result = node.transferLeadership(target);
    if (result instanceof ProposeResult.Accepted) {
      transfers.add(new Transfer(target, request, System.nanoTime() + transferTimeoutNanos));
      LOG.info(() -> "Raft node " + id + " hands leadership to " + target);
    } else if (result instanceof ProposeResult.NotLeader notLeader) {
      request.abort(new NotLeaderException(id, notLeader.leaderHint()));
    } else {
      request.abort(new BusyException(((ProposeResult.Rejected) result).reason()));
    }
  }

  private Optional<NodeId> bestSuccessor() {
    return node.progress().values().stream()
        .filter(p -> p.voter() && p.recentlyActive() && !p.id().equals(id))
        .max(Comparator.comparingLong(FollowerProgress::matchIndex))
        .map(FollowerProgress::id);
  }

  private final class TransferRequest extends DriverRequest<Void> {
    final NodeId target;

    TransferRequest(NodeId target) {
      super(requestTimeoutNanos);
      this.target = target;
    }

    @Override
    public void run() {
      start(target, this);
    }
  }

  /** Close's hand-over: to the most up-to-date active voter, if this node still leads. */
  private final class HandOver extends DriverRequest<Void> {
    HandOver() {
      super(requestTimeoutNanos);
    }

    @Override
    public void run() {
      if (node.role() != Role.LEADER) {
        succeed(null);
        return;
      }
      Optional<NodeId> successor = bestSuccessor();
      if (successor.isEmpty()) {
        LOG.info(() -> "Raft node " + id + " has no active follower to hand leadership to");
        succeed(null);
        return;
      }
      start(successor.get(), this);
    }
  }

  private record Transfer(NodeId target, DriverRequest<Void> request, long deadline) {}
}
