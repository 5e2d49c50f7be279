package io.spindle.raft;

import io.spindle.raft.message.AppendEntries;
import io.spindle.raft.message.AppendEntriesResponse;
import io.spindle.raft.message.Heartbeat;
import io.spindle.raft.message.HeartbeatResponse;
import io.spindle.raft.message.InstallSnapshot;
import io.spindle.raft.message.InstallSnapshotResponse;
import io.spindle.raft.message.Message;
import io.spindle.raft.message.ReadIndexRequest;
import io.spindle.raft.message.ReadIndexResponse;
import io.spindle.raft.message.RequestVote;
import io.spindle.raft.message.RequestVoteResponse;
import io.spindle.raft.message.TimeoutNow;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * One Raft node as a deterministic state machine (the etcd "RawNode" shape): messages and ticks go
 * in through {@link #step} and {@link #tick}; the work to do comes out as a {@link Ready}; the
 * driver does it and calls {@link #advance}. No I/O happens here except through the injected {@link
 * LogStore} and {@link SnapshotStore}; no clock and no randomness but {@link RandomSource}.
 *
 * <p>Roles are states: {@code becomeFollower/PreCandidate/Candidate/Leader} are the only places the
 * role changes, and each swaps in the role's step and tick functions. Section numbers refer to the
 * Raft paper (§) and Ongaro's thesis.
 *
 * <p><b>Threading:</b> not thread-safe. One thread (the driver's) makes every call.
 *
 * <p>What stays here, and makes this class a little longer than the project's 600 lines, is on
 * purpose: the public API, the role changes (only the {@code becomeX} methods change the role) and
 * each role's dispatch of incoming messages, so that one file shows every way a node's role and
 * term can change. Everything else is in the collaborators the package javadoc lists.
 */
public final class RaftNode {
  private final NodeId id;
  private final StorageId storage;
  private final RaftSettings config;
  private final RaftLog log;

  /**
   * A deliberately broken mode for the simulation's negative control: a new leader may change the
   * membership before it has committed an entry of its own term (the single-server change bug of
   * thesis §4.1's erratum). Never set outside tests.
   */
  boolean unsafeConfigChangeBeforeTermCommit;

  // Persistent state (§5.1 Figure 2), handed to the driver in a Ready before anyone hears of it.
  private long term;
  private NodeId votedFor;

  // Volatile state.
  private Role role = Role.FOLLOWER;
  private NodeId leaderId;
  private long commitIndex;

  /** The configurations in the log (§4.1), kept in step with it. */
  private final ConfigurationHistory configurations = new ConfigurationHistory();

  /** The election, heartbeat and leader-contact timers. */
  private final ElectionTimer timer;

  // Candidate state.
  private boolean campaignIsTransfer;

  // Leader state.
  private final Map<NodeId, Progress> progress = new LinkedHashMap<>();

  private long leaderTermStart;

  /** A leadership transfer in progress (thesis §3.10). */
  private final LeadershipTransfer transfer;

  /** Membership changes, removed peers and the storage members answer from. */
  private final MembershipChanges membership;

  /** Proposal flow control: the bytes accepted beyond the commit index. */
  private final UncommittedBudget uncommitted;

  /** The leader's commit rule. */
  private final CommitRule commitRule;

  /** ReadIndex requests and the lease (leader), reads forwarded to the leader (follower). */
  private final ReadOnlyRequests reads;

  private final SnapshotSender snapshotSender;
  private final SnapshotReceiver snapshotReceiver;
  private final LeaderReplication replication;
  private final FollowerAppends followerAppends;

  /** Campaigns, the vote count and the answers to candidates. */
  private final Election election;

  /** The output queued for the next Ready, the applied index and the persisted hard state. */
  private final ReadyBuilder output;

  private Consumer<Message> stepFunction;
  private Runnable tickFunction;

  /**
   * Creates a node over existing storage.
   *
   * @param storage the identity of this node's storage (see {@link StorageId}), sent with every
   *     answer so that the leader and candidates can tell a wiped disk from the one they know
   * @param clock the monotonic clock a leader measures its lease on (unused without lease reads)
   * @param hardState the persisted term and vote ({@link HardState#INITIAL} for a new node)
   * @param initialConfiguration the membership to start with when neither the snapshot store nor
   *     the log holds one: the bootstrap configuration of a new cluster, or {@link
   *     Configuration#empty()} for a node that waits to be added by a leader
   * @param appliedIndex how far the state machine has already applied (it recorded this durably);
   *     entries up to it are not handed out again
   */
  public RaftNode(
      NodeId id,
      StorageId storage,
      RaftSettings config,
      LogStore log,
      SnapshotStore snapshots,
      RandomSource random,
      MonotonicClock clock,
      HardState hardState,
      Configuration initialConfiguration,
      long appliedIndex) {
    this.id = id;
    this.storage = storage;
    this.config = config;
    this.log = new RaftLog(log);
    this.timer = new ElectionTimer(config, random);
    this.uncommitted = new UncommittedBudget(config);
    this.reads = new ReadOnlyRequests(this, config, clock);
    this.commitRule = new CommitRule(this, id, this.log, progress, uncommitted, reads);
    this.output = new ReadyBuilder(this.log, reads, hardState);
    this.transfer = new LeadershipTransfer(this, config, reads);
    this.membership = new MembershipChanges(this, id, storage, configurations, progress, transfer);
    this.snapshotSender = new SnapshotSender(this, config, this.log, snapshots);
    this.snapshotReceiver = new SnapshotReceiver(this, snapshots, storage);
    this.replication =
        new LeaderReplication(this, config, this.log, progress, snapshotSender, reads);
    this.followerAppends = new FollowerAppends(this, this.log, configurations, storage);
    this.election = new Election(this, config, id, storage, this.log, timer);
    this.term = hardState.term();
    this.votedFor = hardState.votedFor();

    this.commitIndex =
        Recovery.recover(
            snapshots, this.log, configurations, output, initialConfiguration, appliedIndex);
    becomeFollower(term, null);
    timer.started();
  }

  // ---------------------------------------------------------------------------------------------
  // Queries.

  public NodeId id() {
    return id;
  }

  public Role role() {
    if (role == Role.FOLLOWER && !configuration().isVoter(id)) {
      return Role.LEARNER;
    }
    return role;
  }

  public long term() {
    return term;
  }

  public Optional<NodeId> leader() {
    return Optional.ofNullable(leaderId);
  }

  public long commitIndex() {
    return commitIndex;
  }

  /**
   * The last index this node knows to be on stable storage (the driver reported it synced); the
   * leader counts itself towards commit only up to here.
   */
  public long durableIndex() {
    return log.durableIndex();
  }

  /** The identity of this node's storage, as sent in its answers. */
  public StorageId storage() {
    return storage;
  }

  /** The index of the last entry handed out in a Ready's committedEntries (or snapshot). */
  public long appliedIndex() {
    return output.appliedIndex();
  }

  /**
   * Holds back (or lets out again) committed entries: while paused, Readys carry none, whatever
   * commits. A driver that applies on another thread pauses while that thread's backlog is full, so
   * committed entries wait in the log instead of piling up in memory. Replication, elections and
   * commitment go on; snapshots to install are still handed out.
   */
  public void pauseApply(boolean paused) {
    output.pauseApply(paused);
  }

  public long lastIndex() {
    return log.lastIndex();
  }

  /** The configuration in effect: the latest one in the log, committed or not (§4.1). */
  public Configuration configuration() {
    return configurations.latest();
  }

  /**
   * The index of the entry that carried {@link #configuration()} (the compaction point or 0 for a
   * configuration from a snapshot or the bootstrap): it is committed once the commit index reaches
   * it.
   */
  public long configurationIndex() {
    return configurations.latestIndex();
  }

  /** The configuration in effect at {@code index}, for a snapshot's metadata. */
  public Configuration configurationAt(long index) {
    return configurations.at(index);
  }

  /** Per-follower replication state of the members; empty unless leader. */
  public Map<NodeId, FollowerProgress> progress() {
    Map<NodeId, FollowerProgress> view = new LinkedHashMap<>();
    Configuration c = configuration();
    progress.forEach(
        (peer, p) -> {
          if (c.contains(peer)) {
            view.put(peer, p.view(c.isVoter(peer)));
          }
        });
    return Collections.unmodifiableMap(view);
  }

  // ---------------------------------------------------------------------------------------------
  // Inputs.

  /** Advances logical time by one tick: elections, heartbeats, CheckQuorum, transfer timeouts. */
  public void tick() {
    timer.tick();
    tickFunction.run();
  }

  /** Feeds one message from a peer. Messages for another node or from stale terms are ignored. */
  public void step(Message m) {
    if (!id.equals(m.to()) || id.equals(m.from())) {
      return;
    }
    if (m.term() > term) {
      if (isVoteRequest(m) && !((RequestVote) m).transfer() && timer.inLeaderLease()) {
        // §4.2.3 / §6.2: while we hear from a leader, a disruptive candidate (a removed server, or
        // one partitioned away) must not make us abandon it.
        return;
      }
      if (isPreVoteRequest(m)) {
        // A PreVote does not change our term (thesis §9.6).
      } else if (m instanceof RequestVoteResponse r && r.preVote() && r.granted()) {
        // A granted PreVote carries the term the candidate will campaign in; not a newer leader.
      } else if (m instanceof AppendEntries
          || m instanceof Heartbeat
          || m instanceof InstallSnapshot) {
        becomeFollower(m.term(), m.from());
      } else {
        becomeFollower(m.term(), null);
      }
    } else if (m.term() < term) {
      rejectStaleTerm(m);
      return;
    }
    stepFunction.accept(m);
  }

  private static boolean isVoteRequest(Message m) {
    return m instanceof RequestVote;
  }

  private static boolean isPreVoteRequest(Message m) {
    return m instanceof RequestVote v && v.preVote();
  }

  /** Answers a message from an older term so that its sender learns the current one (§5.1). */
  private void rejectStaleTerm(Message m) {
    if ((m instanceof AppendEntries || m instanceof Heartbeat || m instanceof InstallSnapshot)
        && (config.checkQuorum() || config.preVote())) {
      // A leader cut off by a partition learns of the newer term and steps down; otherwise it
      // could keep a PreVote-ing majority from ever electing a new leader (thesis §9.6).
      send(new AppendEntriesResponse(id, m.from(), term, false, 0, 0, 0, lastIndex(), storage));
    } else if (isPreVoteRequest(m)) {
      send(new RequestVoteResponse(id, m.from(), term, false, true, storage));
    } else if (m instanceof RequestVote) {
      send(new RequestVoteResponse(id, m.from(), term, false, false, storage));
    }
  }

  /** Proposes a command. Batched: it is appended to the log with the next {@link #ready()}. */
  public ProposeResult propose(byte[] command) {
    return proposeEntry(EntryType.COMMAND, command);
  }

  ProposeResult proposeEntry(EntryType type, byte[] data) {
    if (role != Role.LEADER) {
      return new ProposeResult.NotLeader(leader());
    }
    if (transfer.target() != null) {
      return new ProposeResult.Rejected(
          "leadership is being transferred to " + transfer.target() + "; retry at the new leader");
    }
    long size = UncommittedBudget.sizeOf(data);
    if (uncommitted.exceededBy(size)) {
      return new ProposeResult.Rejected(
          "busy: " + uncommitted.bytes() + " bytes await commit; retry shortly");
    }
    long index = lastIndex() + 1;
    Entry entry = new Entry(index, term, type, data);
    log.propose(entry);
    uncommitted.charge(index, size);
    return new ProposeResult.Accepted(index, term);
  }

  /**
   * Proposes a single-server membership change; at most one may be pending (thesis §4.1), and none
   * before this leader has committed an entry of its term.
   */
  public ProposeResult proposeConfigChange(ConfigChange change) {
    if (role != Role.LEADER) {
      return new ProposeResult.NotLeader(leader());
    }
    return membership.propose(change, unsafeConfigChangeBeforeTermCommit);
  }

  /** Asks for a linearizable read point; the answer comes in a later Ready's readResults. */
  public void readIndex(long requestId) {
    if (role == Role.LEADER) {
      reads.leaderReadIndex(id, requestId);
    } else if (leaderId != null) {
      reads.forward(requestId, leaderId);
    } else {
      output.deliver(ReadResult.failed(requestId, Optional.empty()));
    }
  }

  /**
   * Starts a leadership transfer to {@code target} (thesis §3.10): proposals are refused until it
   * completes or an election timeout passes.
   */
  public ProposeResult transferLeadership(NodeId target) {
    if (role != Role.LEADER) {
      return new ProposeResult.NotLeader(leader());
    }
    if (target.equals(id)) {
      return new ProposeResult.Accepted(lastIndex(), term);
    }
    if (!configuration().isVoter(target)) {
      return new ProposeResult.Rejected(target + " is not a voter; only a voter can lead");
    }
    transfer.start(target, progress.get(target));
    return new ProposeResult.Accepted(lastIndex(), term);
  }

  /**
   * Tells the core the driver has durably stored a snapshot of the state machine at {@code
   * meta.index()} (which it has applied); log entries before it are compacted, keeping {@code
   * keepEntries} behind it for followers that lag a little.
   */
  public void snapshotTaken(SnapshotMeta meta, long keepEntries) {
    long applied = output.appliedIndex();
    if (meta.index() > applied) {
      throw new IllegalArgumentException(
          "snapshot at " + meta.index() + " is ahead of the applied index " + applied);
    }
    long compactTo = Math.min(meta.index() - Math.max(0, keepEntries), log.durableIndex());
    if (compactTo <= log.snapshotIndex()) {
      return;
    }
    long compactTerm = log.storedTerm(compactTo);
    log.compact(compactTo, compactTerm);
    configurations.compactTo(compactTo);
  }

  // ---------------------------------------------------------------------------------------------
  // Output.

  public boolean hasReady() {
    return output.hasReady(hardState(), commitIndex)
        || (role == Role.LEADER && replication.anyFollowerNeedsAppend());
  }

  /** Collects the work to do; see {@link Ready} for the order. Call {@link #advance} after. */
  public Ready ready() {
    log.flushUnstable();
    if (role == Role.LEADER) {
      if (reads.broadcastNeeded()) {
        replication.broadcastHeartbeat();
      }
      replication.sendAppends();
    }
    return output.build(hardState(), commitIndex);
  }

  /** Acknowledges that a Ready's work is done. */
  public void advance(Ready ready) {
    output.advance(ready);
    if (role == Role.LEADER) {
      maybeCommit();
    }
  }

  private HardState hardState() {
    return new HardState(term, votedFor);
  }

  // ---------------------------------------------------------------------------------------------
  // For the collaborators (package-private).

  void send(Message m) {
    output.send(m);
  }

  /** Hands a read's outcome to the driver in the next Ready. */
  void deliver(ReadResult result) {
    output.deliver(result);
  }

  /** The index of this leader's first entry (its no-op); reads wait until it commits. */
  long leaderTermStart() {
    return leaderTermStart;
  }

  boolean transferInProgress() {
    return transfer.target() != null;
  }

  /** The leader's progress of {@code peer}, or null. */
  Progress progressOf(NodeId peer) {
    return progress.get(peer);
  }

  // ---------------------------------------------------------------------------------------------
  // Role changes: the only places the role changes.

  void becomeFollower(long newTerm, NodeId leader) {
    if (role == Role.LEADER) {
      timer.stopLeading();
    }
    log.flushUnstable();
    reads.failPendingReads();
    if (newTerm != term) {
      term = newTerm;
      votedFor = null;
    }
    if (!java.util.Objects.equals(leader, leaderId)) {
      reads.failForwardedReads();
    }
    role = Role.FOLLOWER;
    leaderId = leader;
    resetLeaderState();
    timer.reset();
    stepFunction = this::stepFollower;
    tickFunction = this::tickElection;
  }

  void becomePreCandidate() {
    log.flushUnstable();
    reads.failForwardedReads();
    role = Role.PRE_CANDIDATE;
    leaderId = null;
    election.clearVotes();
    campaignIsTransfer = false;
    timer.reset();
    stepFunction = this::stepCandidate;
    tickFunction = this::tickElection;
  }

  void becomeCandidate(boolean transfer) {
    log.flushUnstable();
    reads.failForwardedReads();
    role = Role.CANDIDATE;
    term++;
    votedFor = id;
    leaderId = null;
    election.clearVotes();
    campaignIsTransfer = transfer;
    timer.reset();
    stepFunction = this::stepCandidate;
    tickFunction = this::tickElection;
  }

  void becomeLeader() {
    role = Role.LEADER;
    leaderId = id;
    resetLeaderState();
    timer.startLeading();
    long last = lastIndex();
    for (Member m : configuration().all()) {
      if (!m.id().equals(id)) {
        progress.put(m.id(), new Progress(m.id(), last + 1));
      }
    }
    membership.leaderStarted(last);
    // §5.4.2 / thesis §6.4: a no-op of the new term lets the leader commit earlier entries and
    // learn its commit index before it serves reads.
    ProposeResult noop = proposeEntry(EntryType.NOOP, new byte[0]);
    leaderTermStart = ((ProposeResult.Accepted) noop).index();
    stepFunction = this::stepLeader;
    tickFunction = this::tickLeader;
  }

  private void resetLeaderState() {
    reads.resetLeaderState();
    progress.clear();
    membership.resetLeaderState();
    transfer.reset();
    uncommitted.clear();
    election.clearVotes();
  }

  // ---------------------------------------------------------------------------------------------
  // Ticks.

  private void tickElection() {
    if (timer.tickElection() && election.promotable()) {
      election.campaign(false);
    }
  }

  private void tickLeader() {
    if (timer.tickLeader() && config.checkQuorum() && !replication.quorumRecentlyActive()) {
      // §6.2: a leader that cannot reach a majority steps down, so clients find the real one.
      becomeFollower(term, null);
      return;
    }
    transfer.tick();
    replication.tick();
    if (timer.heartbeatDue()) {
      replication.broadcastHeartbeat();
    }
    membership.tick(commitIndex, config.electionTicks());
  }

  // ---------------------------------------------------------------------------------------------
  // Elections (§5.2, thesis §9.6 PreVote, §3.10 transfer); the rest is in Election.

  /** The vote this node cast in the current term, or null. */
  NodeId votedFor() {
    return votedFor;
  }

  /** Votes for {@code candidate} in the current term (persisted before the answer goes out). */
  void grantVote(NodeId candidate) {
    votedFor = candidate;
    timer.reset();
  }

  // ---------------------------------------------------------------------------------------------
  // Step functions per role.

  private void stepFollower(Message m) {
    if (m instanceof AppendEntries a) {
      acceptLeader(a.from());
      followerAppends.onAppendEntries(a);
    } else if (m instanceof Heartbeat h) {
      acceptLeader(h.from());
      followerAppends.onHeartbeat(h);
    } else if (m instanceof InstallSnapshot s) {
      acceptLeader(s.from());
      snapshotReceiver.receive(s);
    } else if (m instanceof RequestVote v) {
      election.onVoteRequest(v);
    } else if (m instanceof TimeoutNow) {
      if (election.promotable()) {
        election.campaign(true);
      }
    } else if (m instanceof ReadIndexRequest r) {
      send(new ReadIndexResponse(id, r.from(), term, r.requestId(), 0, false));
    } else if (m instanceof ReadIndexResponse r) {
      reads.onResponse(r);
    }
  }

  private void acceptLeader(NodeId leader) {
    timer.heardFromLeader();
    if (!leader.equals(leaderId)) {
      reads.failForwardedReads();
      leaderId = leader;
    }
  }

  private void stepCandidate(Message m) {
    if (m instanceof AppendEntries || m instanceof Heartbeat || m instanceof InstallSnapshot) {
      // §5.2: a candidate that hears from a leader of its term returns to follower.
      becomeFollower(term, m.from());
      stepFollower(m);
    } else if (m instanceof RequestVote v) {
      election.onVoteRequest(v);
    } else if (m instanceof RequestVoteResponse r) {
      election.onVoteResponse(r, role == Role.PRE_CANDIDATE);
    } else if (m instanceof ReadIndexRequest r) {
      send(new ReadIndexResponse(id, r.from(), term, r.requestId(), 0, false));
    }
  }

  private void stepLeader(Message m) {
    if (m instanceof AppendEntriesResponse r) {
      Progress p = progress.get(r.from());
      if (p != null && membership.fromRecordedStorage(p, r.storage())) {
        p.recentActive = true;
        replication.onAppendResponse(p, r);
      }
    } else if (m instanceof HeartbeatResponse r) {
      Progress p = progress.get(r.from());
      if (p != null) {
        p.noteStorage(r.storage(), r.readContext());
        if (membership.fromRecordedStorage(p, r.storage())) {
          p.recentActive = true;
          replication.onHeartbeatResponse(p, r);
        }
      }
    } else if (m instanceof InstallSnapshotResponse r) {
      Progress p = progress.get(r.from());
      if (p != null && membership.fromRecordedStorage(p, r.storage())) {
        p.recentActive = true;
        snapshotSender.onResponse(p, r);
      }
    } else if (m instanceof RequestVote v) {
      // Same term: we voted for ourselves. A PreVote for the next term is refused while we lead.
      send(new RequestVoteResponse(id, v.from(), term, false, v.preVote(), storage));
    } else if (m instanceof ReadIndexRequest r) {
      reads.leaderReadIndex(r.from(), r.requestId());
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Log replication, follower side (§5.3); the rest is in FollowerAppends.

  /** A follower's commit index follows its leader's, up to what it holds (§5.3); never back. */
  void commitFromLeader(long index) {
    if (index > commitIndex) {
      commitIndex = index;
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Snapshots, follower side (§7).

  /** Moves the log, configurations and indexes to a snapshot just received (§7). */
  void restoreFromSnapshot(SnapshotMeta meta) {
    log.flushUnstable();
    log.restoreTo(meta);
    configurations.resetTo(meta.index(), meta.configuration());
    configurations.scan(log, meta.index() + 1);
    commitIndex = meta.index();
    output.installSnapshot(meta);
  }

  // ---------------------------------------------------------------------------------------------
  // Leader side: commitment (replication and transfer have classes of their own).

  /** A transfer's target caught up: tell it to campaign now (thesis §3.10). */
  void maybeSendTimeoutNow(Progress p) {
    transfer.maybeSendTimeoutNow(p);
  }

  /** §5.3, §5.4.2: commit what a majority stores, if of this term; see {@link CommitRule}. */
  void maybeCommit() {
    commitRule.maybeCommit();
  }

  /** The commit rule found {@code index} committed (beyond the commit index). */
  void leaderCommit(long index) {
    commitIndex = index;
  }
}
