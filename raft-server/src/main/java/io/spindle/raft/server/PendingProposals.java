package io.spindle.raft.server;

import io.spindle.raft.ConfigChange;
import io.spindle.raft.Entry;
import io.spindle.raft.NodeId;
import io.spindle.raft.ProposeResult;
import io.spindle.raft.RaftNode;
import io.spindle.raft.SnapshotMeta;
import java.util.ArrayDeque;
import java.util.List;

/**
 * A {@link RaftDriver}'s proposals the node accepted and that have not finished yet, by ascending
 * index: the entry that applies at a proposal's index decides it, a snapshot from the leader that
 * covers it leaves its outcome unknown, and so does its timeout.
 *
 * <p><b>Threading:</b> {@link #newProposal} on any thread (it reads only final fields); everything
 * else, and the proposals' {@code run}, on the driver's thread, which owns the node.
 * <b>Blocking:</b> never; futures complete on the driver's thread.
 */
final class PendingProposals {
  private final NodeId id;
  private final RaftNode node;
  private final RaftNodeSettings settings;
  private final long requestTimeoutNanos;

  /** Accepted proposals by ascending index. */
  private final ArrayDeque<Proposal> proposals = new ArrayDeque<>();

  PendingProposals(NodeId id, RaftNode node, RaftNodeSettings settings) {
    this.id = id;
    this.node = node;
    this.settings = settings;
    this.requestTimeoutNanos = settings.requestTimeout().toNanos();
  }

  /** A command ({@code change == null}) or a membership change to queue for the driver's thread. */
  Proposal newProposal(byte[] command, ConfigChange change) {
    return new Proposal(command, change);
  }

  /**
   * Aborts the proposals a snapshot from the leader covers: they can no longer be told apart from
   * entries it replaced.
   */
  void abortCoveredBy(SnapshotMeta meta) {
    while (!proposals.isEmpty() && proposals.peekFirst().index <= meta.index()) {
      Proposal p = proposals.pollFirst();
      p.abort(
          new OutcomeUnknownException(
              "a snapshot up to "
                  + meta.index()
                  + " from the leader replaced the log around the proposal at "
                  + p.index
                  + ": it may or may not have applied"));
    }
  }

  /** Finishes the proposals that {@code entries} decide; {@code results} has one per entry. */
  void resolve(List<Entry> entries, List<byte[]> results) {
    if (!proposals.isEmpty()) {
      for (int i = 0; i < entries.size(); i++) {
        resolve(entries.get(i), results.get(i));
      }
    }
  }

  /** The entry at a proposal's index decides it: same term, it committed; else it was dropped. */
  private void resolve(Entry entry, byte[] result) {
    while (!proposals.isEmpty() && proposals.peekFirst().index <= entry.index()) {
      Proposal p = proposals.pollFirst();
      if (p.index == entry.index() && p.term == entry.term()) {
        p.succeed(new Applied(entry.index(), entry.term(), result));
      } else {
        long committedTerm = p.index == entry.index() ? entry.term() : -1;
        p.abort(new LeadershipLostException(p.index, p.term, committedTerm));
      }
    }
  }

  /** Fails the oldest proposals whose deadline passed: they may still commit. */
  void expire(long now) {
    while (!proposals.isEmpty() && now - proposals.peekFirst().deadline >= 0) {
      Proposal p = proposals.pollFirst();
      p.abort(
          new OutcomeUnknownException(
              "the proposal at index "
                  + p.index
                  + " did not commit within "
                  + settings.requestTimeout().toMillis()
                  + " ms (is a majority reachable?); it may still commit"));
    }
  }

  /** Fails every pending proposal: the node stopped. */
  void abortAll(RaftException stopped) {
    proposals.forEach(p -> p.abort(stopped));
    proposals.clear();
  }

  /** A command or membership change to propose; once accepted, it waits in {@link #proposals}. */
  final class Proposal extends DriverRequest<Applied> {
    final byte[] command;
    final ConfigChange change;
    long index;
    long term;

    private Proposal(byte[] command, ConfigChange change) {
      super(requestTimeoutNanos);
      this.command = command;
      this.change = change;
    }

    @Override
    public void run() {
      ProposeResult result =
          change == null ? node.propose(command) : node.proposeConfigChange(change);
      if (result instanceof ProposeResult.Accepted accepted) {
        index = accepted.index();
        term = accepted.term();
        // A new leadership may reuse indexes an older, dropped one had proposed at.
        while (!proposals.isEmpty() && proposals.peekLast().index >= index) {
          Proposal dropped = proposals.pollLast();
          dropped.abort(new LeadershipLostException(dropped.index, dropped.term, term));
        }
        proposals.addLast(this);
      } else if (result instanceof ProposeResult.NotLeader notLeader) {
        abort(new NotLeaderException(id, notLeader.leaderHint()));
      } else {
        abort(new BusyException(((ProposeResult.Rejected) result).reason()));
      }
    }
  }
}
