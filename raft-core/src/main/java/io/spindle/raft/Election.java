package io.spindle.raft;

import io.spindle.raft.message.RequestVote;
import io.spindle.raft.message.RequestVoteResponse;

/**
 * Elections (§5.2), with PreVote (thesis §9.6) and the campaigns a leadership transfer starts
 * (§3.10): who may campaign, asking the voters, counting their answers in a {@link VoteCount}, and
 * a voter's answer to a candidate (§5.4.1, and the leader stickiness of §4.2.3). The role changes a
 * campaign makes stay the node's ({@code becomePreCandidate/Candidate/Leader/Follower}), as do the
 * vote it persists and its election timer.
 *
 * <p><b>Threading:</b> single-threaded, owned by one {@link RaftNode} and called only from its
 * driver's thread.
 */
final class Election {
  private final RaftNode node;
  private final RaftSettings config;
  private final NodeId id;
  private final StorageId storage;
  private final RaftLog log;
  private final ElectionTimer timer;
  private final VoteCount votes = new VoteCount();

  Election(
      RaftNode node,
      RaftSettings config,
      NodeId id,
      StorageId storage,
      RaftLog log,
      ElectionTimer timer) {
    this.node = node;
    this.config = config;
    this.id = id;
    this.storage = storage;
    this.log = log;
    this.timer = timer;
  }

  /** Forgets the votes of a campaign that ended (or starts). */
  void clearVotes() {
    votes.clear();
  }

  /**
   * Whether this node may campaign: only voters do (learners and removed servers never), and only
   * from the storage the configuration records for it: a voter whose disk was wiped has forgotten
   * the votes it cast, so it must not vote for itself either until it is a voter again.
   */
  boolean promotable() {
    Configuration c = node.configuration();
    return c.isVoter(id) && c.storageOf(id).accepts(storage);
  }

  void campaign(boolean transfer) {
    if (config.preVote() && !transfer) {
      node.becomePreCandidate();
      requestVotes(true, false, node.term() + 1);
    } else {
      node.becomeCandidate(transfer);
      requestVotes(false, transfer, node.term());
    }
  }

  private void requestVotes(boolean preVote, boolean transfer, long campaignTerm) {
    votes.voteForSelf(id);
    if (votes.won(node.configuration())) {
      onElectionWon(preVote);
      return;
    }
    long lastIdx = log.lastIndex();
    long lastTerm = log.termAt(lastIdx);
    for (NodeId voter : node.configuration().voterIds()) {
      if (!voter.equals(id)) {
        node.send(new RequestVote(id, voter, campaignTerm, lastIdx, lastTerm, preVote, transfer));
      }
    }
  }

  /** A voter's answer to this (pre-)candidate, {@code preVote} while it runs a PreVote. */
  void onVoteResponse(RequestVoteResponse r, boolean preVote) {
    if (r.preVote() != preVote) {
      return;
    }
    if (!node.configuration().storageOf(r.from()).accepts(r.storage())) {
      // The voter's storage is not the one recorded for it: it was wiped and may have voted in
      // this term already, or it is not the voter we know. Its vote counts for nothing.
      return;
    }
    votes.record(r.from(), r.granted());
    if (votes.won(node.configuration())) {
      onElectionWon(preVote);
    } else if (votes.lost(node.configuration())) {
      node.becomeFollower(node.term(), null);
    }
  }

  private void onElectionWon(boolean preVote) {
    if (preVote) {
      node.becomeCandidate(false);
      requestVotes(false, false, node.term());
    } else {
      node.becomeLeader();
    }
  }

  /** §5.2, §5.4.1: one vote per term, only for a candidate whose log is at least as up to date. */
  void onVoteRequest(RequestVote m) {
    // A learner answers too (as in etcd): only a candidate that holds it for a voter asks it, and
    // counts its vote only then. One promoted by an entry it has not received yet must be able to
    // vote, or a leader that lost its quorum during the change (one voter promoting a second, which
    // crashes) could never be elected again; the vote rules below keep one leader per term anyway.
    long term = node.term();
    boolean logOk = isUpToDate(m.lastLogTerm(), m.lastLogIndex());
    if (m.preVote()) {
      // Grant a PreVote when a real vote could be granted: a newer term and an up-to-date log.
      boolean grant = m.term() > term && logOk;
      node.send(
          new RequestVoteResponse(id, m.from(), grant ? m.term() : term, grant, true, storage));
      return;
    }
    NodeId votedFor = node.votedFor();
    boolean again = m.from().equals(votedFor);
    boolean free = votedFor == null && (node.leader().isEmpty() || m.transfer());
    // §6.4.1: a voter that acknowledged a leader within an election timeout promised it not to
    // help elect another (its lease rests on that), even if it learned of this term from someone
    // else meanwhile. Only a transfer, which the leader asked for and ended its lease for, may.
    boolean promised = !m.transfer() && timer.inLeaderLease();
    boolean grant = logOk && (again || (free && !promised));
    if (grant) {
      node.grantVote(m.from());
    }
    node.send(new RequestVoteResponse(id, m.from(), term, grant, false, storage));
  }

  private boolean isUpToDate(long candidateLastTerm, long candidateLastIndex) {
    long myLastIndex = log.lastIndex();
    long myLastTerm = log.termAt(myLastIndex);
    return candidateLastTerm > myLastTerm
        || (candidateLastTerm == myLastTerm && candidateLastIndex >= myLastIndex);
  }
}
