package io.spindle.raft;

/**
 * Tunables of one node, in ticks and bytes. Time is logical: the driver calls {@link
 * RaftNode#tick()} at a fixed period, so {@code electionTicks=15} with a 10 ms tick means a 150–300
 * ms randomized election timeout.
 *
 * @param electionTicks minimum election timeout; the actual one is drawn from [e, 2e)
 * @param heartbeatTicks leader heartbeat period; must be less than electionTicks
 * @param preVote run a PreVote round before a real election (thesis §9.6)
 * @param checkQuorum a leader steps down when it has not heard from a majority within an election
 *     timeout, and voters ignore elections while they hear from a leader (thesis §6.2, §4.2.3)
 * @param leaseRead answer ReadIndex from the leader's lease, without a heartbeat round; needs
 *     checkQuorum (thesis §6.4.1). The lease is measured on the {@link MonotonicClock}, see {@link
 *     #leaseNanos()}
 * @param maxInflightMessages AppendEntries in flight per follower while pipelining
 * @param maxInflightBytes bytes of AppendEntries in flight per follower
 * @param maxMessageBytes entries per AppendEntries, in bytes (always at least one entry)
 * @param snapshotChunkBytes bytes per InstallSnapshot chunk
 * @param maxUncommittedBytes bytes of proposals a leader accepts beyond its commit index before it
 *     answers "busy" (back-pressure)
 * @param tickNanos the real time of one tick on the {@link MonotonicClock}: the driver ticks at
 *     most once per this period (it drops ticks when it falls behind, never bunches them)
 * @param maxClockDriftPpm the most any node's clock runs fast or slow against real time, in parts
 *     per million; the lease is shortened by it
 */
public record RaftSettings(
    int electionTicks,
    int heartbeatTicks,
    boolean preVote,
    boolean checkQuorum,
    boolean leaseRead,
    int maxInflightMessages,
    long maxInflightBytes,
    long maxMessageBytes,
    int snapshotChunkBytes,
    long maxUncommittedBytes,
    long tickNanos,
    int maxClockDriftPpm) {

  /** 10 ms: the tick of {@link #defaults()}. */
  public static final long DEFAULT_TICK_NANOS = 10_000_000L;

  /**
   * 10%: far beyond what a monotonic clock drifts (NTP slews at most 500 ppm), so that the bound
   * holds on a virtual machine whose clock is disciplined badly, at the price of a lease 18%
   * shorter than the election timeout it rests on.
   */
  public static final int DEFAULT_MAX_CLOCK_DRIFT_PPM = 100_000;

  public RaftSettings {
    if (heartbeatTicks <= 0 || electionTicks <= heartbeatTicks) {
      throw new IllegalArgumentException(
          "need 0 < heartbeatTicks < electionTicks, got " + heartbeatTicks + "/" + electionTicks);
    }
    if (leaseRead && !checkQuorum) {
      throw new IllegalArgumentException("leaseRead is only safe with checkQuorum on");
    }
    if (maxInflightMessages < 1 || maxInflightBytes < 1 || maxMessageBytes < 1) {
      throw new IllegalArgumentException("in-flight limits must be positive");
    }
    if (snapshotChunkBytes < 1 || maxUncommittedBytes < 1) {
      throw new IllegalArgumentException("snapshot chunk and uncommitted limits must be positive");
    }
    if (tickNanos < 1) {
      throw new IllegalArgumentException("tickNanos must be positive, got " + tickNanos);
    }
    if (maxClockDriftPpm < 0 || maxClockDriftPpm >= 1_000_000) {
      throw new IllegalArgumentException(
          "maxClockDriftPpm must be in [0, 1000000), got " + maxClockDriftPpm);
    }
  }

  /** Sensible defaults: 10 election ticks, heartbeat every tick, PreVote and CheckQuorum on. */
  public static RaftSettings defaults() {
    return new RaftSettings(
        10,
        1,
        true,
        true,
        false,
        256,
        32L << 20,
        4L << 20,
        1 << 20,
        256L << 20,
        DEFAULT_TICK_NANOS,
        DEFAULT_MAX_CLOCK_DRIFT_PPM);
  }

  /**
   * How long a leader may answer reads from its lease after it sent a heartbeat round that a
   * majority acknowledged, on its own clock (thesis §6.4.1). A voter that acknowledged the round
   * refuses other candidates until {@code electionTicks} of its own ticks have passed since it
   * received it, which is at least {@code (electionTicks - 1) * tickNanos} on its clock (the first
   * tick may come at once), and at least that divided by {@code 1 + drift} in real time; the leader
   * measures on a clock that may run fast by the same bound, so it uses that times {@code (1 -
   * drift)}, counted from just before the round was sent.
   */
  public long leaseNanos() {
    double drift = maxClockDriftPpm / 1e6;
    return (long) ((electionTicks - 1) * (double) tickNanos * (1 - drift) / (1 + drift));
  }

  public RaftSettings withElectionTicks(int election, int heartbeat) {
    return new RaftSettings(
        election,
        heartbeat,
        preVote,
        checkQuorum,
        leaseRead,
        maxInflightMessages,
        maxInflightBytes,
        maxMessageBytes,
        snapshotChunkBytes,
        maxUncommittedBytes,
        tickNanos,
        maxClockDriftPpm);
  }

  public RaftSettings withPreVoteAndCheckQuorum(boolean preVote, boolean checkQuorum) {
    return new RaftSettings(
        electionTicks,
        heartbeatTicks,
        preVote,
        checkQuorum,
        leaseRead && checkQuorum,
        maxInflightMessages,
        maxInflightBytes,
        maxMessageBytes,
        snapshotChunkBytes,
        maxUncommittedBytes,
        tickNanos,
        maxClockDriftPpm);
  }

  public RaftSettings withLeaseRead(boolean leaseRead) {
    return new RaftSettings(
        electionTicks,
        heartbeatTicks,
        preVote,
        checkQuorum,
        leaseRead,
        maxInflightMessages,
        maxInflightBytes,
        maxMessageBytes,
        snapshotChunkBytes,
        maxUncommittedBytes,
        tickNanos,
        maxClockDriftPpm);
  }

  public RaftSettings withLimits(
      int maxInflightMessages,
      long maxInflightBytes,
      long maxMessageBytes,
      int snapshotChunkBytes) {
    return new RaftSettings(
        electionTicks,
        heartbeatTicks,
        preVote,
        checkQuorum,
        leaseRead,
        maxInflightMessages,
        maxInflightBytes,
        maxMessageBytes,
        snapshotChunkBytes,
        maxUncommittedBytes,
        tickNanos,
        maxClockDriftPpm);
  }

  /** The real time of a tick and the drift bound of every clock, for the lease. */
  public RaftSettings withClock(long tickNanos, int maxClockDriftPpm) {
    return new RaftSettings(
        electionTicks,
        heartbeatTicks,
        preVote,
        checkQuorum,
        leaseRead,
        maxInflightMessages,
        maxInflightBytes,
        maxMessageBytes,
        snapshotChunkBytes,
        maxUncommittedBytes,
        tickNanos,
        maxClockDriftPpm);
  }
}
