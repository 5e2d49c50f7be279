package io.spindle.raft.server;

import io.spindle.raft.Member;
import io.spindle.raft.NodeId;
import io.spindle.raft.RaftSettings;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * How one node runs, from plain values (MicroProfile Config maps onto it at the edge).
 *
 * @param id this node
 * @param initialMembers the voters of a new cluster (this node included), used only when neither a
 *     snapshot nor the log holds a configuration yet; empty for a node that waits to be added
 * @param raft the core's tunables, in ticks
 * @param tickPeriod how much real time one core tick is
 * @param snapshotEveryEntries take a snapshot after this many entries were applied since the last
 * @param snapshotEveryBytes ... or after this many bytes of entries were applied since the last
 * @param keepEntriesAfterSnapshot log entries kept behind a snapshot for followers that lag a
 *     little
 * @param maxPendingRequests proposals and reads queued or in flight before {@link BusyException}
 * @param requestTimeout how long a proposal or read may wait before {@link OutcomeUnknownException}
 *     (proposals) or {@link NotLeaderException} (reads)
 * @param closeTransferTimeout how long {@link RaftDriver#close()} waits for a leadership transfer
 * @param maxInboxBatch inbound items handled per loop iteration before the node's work is done
 * @param leaderWritesInParallel a leader sends its AppendEntries and heartbeats before, not after,
 *     its own fsync, so that followers write while it writes (thesis §10.2.1). Safe because the
 *     core counts the leader towards a commit only with what it reported durable ({@link
 *     io.spindle.raft.Ready#lastAppendedIndex()} after the sync); votes, responses and anything
 *     sent with a term or vote change still wait for the fsync.
 */
public record RaftNodeSettings(
    NodeId id,
    List<Member> initialMembers,
    RaftSettings raft,
    Duration tickPeriod,
    long snapshotEveryEntries,
    long snapshotEveryBytes,
    long keepEntriesAfterSnapshot,
    int maxPendingRequests,
    Duration requestTimeout,
    Duration closeTransferTimeout,
    int maxInboxBatch,
    boolean leaderWritesInParallel) {

  public RaftNodeSettings {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(raft, "raft");
    initialMembers = List.copyOf(initialMembers);
    if (tickPeriod.isNegative() || tickPeriod.isZero()) {
      throw new IllegalArgumentException("tickPeriod must be positive, got " + tickPeriod);
    }
    if (snapshotEveryEntries < 1 || snapshotEveryBytes < 1 || keepEntriesAfterSnapshot < 0) {
      throw new IllegalArgumentException(
          "snapshot thresholds must be positive and keepEntriesAfterSnapshot not negative");
    }
    if (maxPendingRequests < 1 || maxInboxBatch < 1) {
      throw new IllegalArgumentException("maxPendingRequests and maxInboxBatch must be positive");
    }
    if (requestTimeout.isNegative() || requestTimeout.isZero()) {
      throw new IllegalArgumentException("requestTimeout must be positive, got " + requestTimeout);
    }
    if (closeTransferTimeout.isNegative()) {
      throw new IllegalArgumentException("closeTransferTimeout must not be negative");
    }
    if (!initialMembers.isEmpty() && initialMembers.stream().noneMatch(m -> m.id().equals(id))) {
      throw new IllegalArgumentException(
          "initialMembers " + initialMembers + " must include this node " + id);
    }
  }

  /**
   * Defaults: a 10 ms tick with {@link RaftSettings#defaults()} (100–200 ms election timeout,
   * PreVote and CheckQuorum on), a snapshot every 100,000 entries or 1 GiB, 10,000 entries kept
   * behind it, 20,000 requests outstanding, a 10 s request timeout, 2 s to hand over leadership on
   * close, and a leader that writes in parallel with its followers.
   */
  public static RaftNodeSettings defaults(NodeId id, List<Member> initialMembers) {
    return new RaftNodeSettings(
        id,
        initialMembers,
        RaftSettings.defaults(),
        Duration.ofMillis(10),
        100_000,
        1L << 30,
        10_000,
        20_000,
        Duration.ofSeconds(10),
        Duration.ofSeconds(2),
        4096,
        true);
  }

  public RaftNodeSettings withRaft(RaftSettings raft) {
    return new RaftNodeSettings(
        id,
        initialMembers,
        raft,
        tickPeriod,
        snapshotEveryEntries,
        snapshotEveryBytes,
        keepEntriesAfterSnapshot,
        maxPendingRequests,
        requestTimeout,
        closeTransferTimeout,
        maxInboxBatch,
        leaderWritesInParallel);
  }

  public RaftNodeSettings withTickPeriod(Duration tickPeriod) {
    return new RaftNodeSettings(
        id,
        initialMembers,
        raft,
        tickPeriod,
        snapshotEveryEntries,
        snapshotEveryBytes,
        keepEntriesAfterSnapshot,
        maxPendingRequests,
        requestTimeout,
        closeTransferTimeout,
        maxInboxBatch,
        leaderWritesInParallel);
  }

  public RaftNodeSettings withSnapshots(long everyEntries, long everyBytes, long keepEntries) {
    return new RaftNodeSettings(
        id,
        initialMembers,
        raft,
        tickPeriod,
        everyEntries,
        everyBytes,
        keepEntries,
        maxPendingRequests,
        requestTimeout,
        closeTransferTimeout,
        maxInboxBatch,
        leaderWritesInParallel);
  }

  public RaftNodeSettings withRequestLimits(int maxPendingRequests, Duration requestTimeout) {
    return new RaftNodeSettings(
        id,
        initialMembers,
        raft,
        tickPeriod,
        snapshotEveryEntries,
        snapshotEveryBytes,
        keepEntriesAfterSnapshot,
        maxPendingRequests,
        requestTimeout,
        closeTransferTimeout,
        maxInboxBatch,
        leaderWritesInParallel);
  }

  public RaftNodeSettings withLeaderWritesInParallel(boolean leaderWritesInParallel) {
    return new RaftNodeSettings(
        id,
        initialMembers,
        raft,
        tickPeriod,
        snapshotEveryEntries,
        snapshotEveryBytes,
        keepEntriesAfterSnapshot,
        maxPendingRequests,
        requestTimeout,
        closeTransferTimeout,
        maxInboxBatch,
        leaderWritesInParallel);
  }

  public RaftNodeSettings withCloseTransferTimeout(Duration closeTransferTimeout) {
    return new RaftNodeSettings(
        id,
        initialMembers,
        raft,
        tickPeriod,
        snapshotEveryEntries,
        snapshotEveryBytes,
        keepEntriesAfterSnapshot,
        maxPendingRequests,
        requestTimeout,
        closeTransferTimeout,
        maxInboxBatch,
        leaderWritesInParallel);
  }
}
