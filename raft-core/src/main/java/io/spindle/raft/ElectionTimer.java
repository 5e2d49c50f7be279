package io.spindle.raft;

/**
 * A node's timers, in ticks: the randomized election timeout (§5.2), the leader's heartbeat
 * interval and CheckQuorum period (§6.2), and the time since it last heard from a leader, on which
 * leader stickiness (thesis §4.2.3, §9.6) and the promise behind a lease (§6.4.1) rest. The timers
 * say when something is due; what then happens stays the node's.
 *
 * <p><b>Threading:</b> single-threaded, owned by one {@link RaftNode} and called only from its
 * driver's thread.
 */
final class ElectionTimer {
  private final RaftSettings config;
  private final RandomSource random;

  private int electionElapsed;

  /**
   * Ticks since this node last heard from a leader (or, as leader, since it last led): the promise
   * a voter gives a leader by acknowledging it lasts until this reaches an election timeout, and
   * only hearing from a leader restarts it; a higher term learned from anyone else does not end it
   * early (see inLeaderLease). At start, a node keeps the promise it may have given before a
   * restart.
   */
  private int leaderContactElapsed;

  private int heartbeatElapsed;
  private int randomizedElectionTimeout;

  ElectionTimer(RaftSettings config, RandomSource random) {
    this.config = config;
    this.random = random;
  }

  /** The node starts: only lease reads need it to keep a promise given before a restart. */
  void started() {
    leaderContactElapsed = config.leaseRead() ? 0 : config.electionTicks();
  }

  /** Called first in every tick, whatever the role: the time since leader contact goes on. */
  void tick() {
    if (leaderContactElapsed < config.electionTicks()) {
      leaderContactElapsed++;
    }
  }

  /** A follower's or candidate's tick: whether its randomized election timeout has passed. */
  boolean tickElection() {
    electionElapsed++;
    return electionElapsed >= randomizedElectionTimeout;
  }

  /**
   * A leader's tick (it is its own leader contact): whether an election timeout passed, when
   * CheckQuorum looks at which followers were recently active.
   */
  boolean tickLeader() {
    heartbeatElapsed++;
    electionElapsed++;
    leaderContactElapsed = 0;
    if (electionElapsed >= config.electionTicks()) {
      electionElapsed = 0;
      return true;
    }
    return false;
  }

  /** Whether a leader's heartbeat interval has passed; if so it starts again. */
  boolean heartbeatDue() {
    if (heartbeatElapsed >= config.heartbeatTicks()) {
      heartbeatElapsed = 0;
      return true;
    }
    return false;
  }

  /** Restarts the election timeout with a new random length in [electionTicks, 2 electionTicks). */
  void reset() {
    electionElapsed = 0;
    randomizedElectionTimeout = config.electionTicks() + random.nextInt(config.electionTicks());
  }

  /** This node hears from its leader: the election timeout and the leader contact restart. */
  void heardFromLeader() {
    electionElapsed = 0;
    leaderContactElapsed = 0;
  }

  /** This node becomes leader. */
  void startLeading() {
    heartbeatElapsed = 0;
    electionElapsed = 0;
    leaderContactElapsed = 0;
  }

  /**
   * A leader steps down: it serves no more lease reads, so its own promise ends with it and it may
   * vote at once (its stickiness protected only itself).
   */
  void stopLeading() {
    leaderContactElapsed = config.electionTicks();
  }

  /**
   * Leader stickiness (thesis §4.2.3, §9.6) and the promise behind a lease (§6.4.1): we heard from
   * a live leader within an election timeout, or we only just started and may have acknowledged one
   * before a restart (whose lease must hold whether or not we remember it). Only hearing from a
   * leader restarts it, so a higher term learned from some other message does not end it early.
   */
  boolean inLeaderLease() {
    if (!config.checkQuorum() && !config.preVote()) {
      return false;
    }
    return leaderContactElapsed < config.electionTicks();
  }
}
