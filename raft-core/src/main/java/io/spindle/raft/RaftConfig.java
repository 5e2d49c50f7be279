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
 *     checkQuorum (thesis §6.4.1)
 * @param maxInflightMessages AppendEntries in flight per follower while pipelining
 * @param maxInflightBytes bytes of AppendEntries in flight per follower
 * @param maxMessageBytes entries per AppendEntries, in bytes (always at least one entry)
 * @param snapshotChunkBytes bytes per InstallSnapshot chunk
 * @param maxUncommittedBytes bytes of proposals a leader accepts beyond its commit index before it
 *     answers "busy" (back-pressure)
 */
public record RaftConfig(
    int electionTicks,
    int heartbeatTicks,
    boolean preVote,
    boolean checkQuorum,
    boolean leaseRead,
    int maxInflightMessages,
    long maxInflightBytes,
    long maxMessageBytes,
    int snapshotChunkBytes,
    long maxUncommittedBytes) {

  public RaftConfig {
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
  }

  /** Sensible defaults: 10 election ticks, heartbeat every tick, PreVote and CheckQuorum on. */
  public static RaftConfig defaults() {
    return new RaftConfig(10, 1, true, true, false, 256, 64L << 20, 4L << 20, 1 << 20, 256L << 20);
  }

  public RaftConfig withElectionTicks(int election, int heartbeat) {
    return new RaftConfig(
        election,
        heartbeat,
        preVote,
        checkQuorum,
        leaseRead,
        maxInflightMessages,
        maxInflightBytes,
        maxMessageBytes,
        snapshotChunkBytes,
        maxUncommittedBytes);
  }

  public RaftConfig withPreVoteAndCheckQuorum(boolean preVote, boolean checkQuorum) {
    return new RaftConfig(
        electionTicks,
        heartbeatTicks,
        preVote,
        checkQuorum,
        leaseRead && checkQuorum,
        maxInflightMessages,
        maxInflightBytes,
        maxMessageBytes,
        snapshotChunkBytes,
        maxUncommittedBytes);
  }

  public RaftConfig withLeaseRead(boolean leaseRead) {
    return new RaftConfig(
        electionTicks,
        heartbeatTicks,
        preVote,
        checkQuorum,
        leaseRead,
        maxInflightMessages,
        maxInflightBytes,
        maxMessageBytes,
        snapshotChunkBytes,
        maxUncommittedBytes);
  }

  public RaftConfig withLimits(
      int maxInflightMessages,
      long maxInflightBytes,
      long maxMessageBytes,
      int snapshotChunkBytes) {
    return new RaftConfig(
        electionTicks,
        heartbeatTicks,
        preVote,
        checkQuorum,
        leaseRead,
        maxInflightMessages,
        maxInflightBytes,
        maxMessageBytes,
        snapshotChunkBytes,
        maxUncommittedBytes);
  }
}
