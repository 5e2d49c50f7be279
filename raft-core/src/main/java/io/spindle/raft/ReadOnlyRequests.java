package io.spindle.raft;

import io.spindle.raft.message.ReadIndexRequest;
import io.spindle.raft.message.ReadIndexResponse;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * Linearizable reads without log entries (etcd's {@code readOnly}): a leader's ReadIndex requests
 * waiting for its term to commit or for a heartbeat round a majority acknowledges (thesis §6.4),
 * the lease that answers them at once (§6.4.1) with the send times of recent heartbeat rounds it
 * counts from, and a follower's requests forwarded to its leader. Answers go out through the node,
 * as messages or read results of its next Ready.
 *
 * <p><b>Threading:</b> single-threaded, owned by one {@link RaftNode} and called only from its
 * driver's thread.
 */
final class ReadOnlyRequests {
  private final RaftNode node;
  private final RaftSettings config;
  private final MonotonicClock clock;

  /** The sequence of the latest heartbeat round: the read context a follower echoes. */
  private long heartbeatSeq;

  /**
   * When each recent heartbeat round was sent, on the monotonic clock: the lease counts from it.
   */
  private final TreeMap<Long, Long> heartbeatSentNanos = new TreeMap<>();

  /** A TimeoutNow went out in this term: the lease no longer protects reads (see leaseValid). */
  private boolean timeoutNowSent;

  private final List<PendingRead> pendingReads = new ArrayList<>();
  private final List<PendingRead> readsAwaitingTermCommit = new ArrayList<>();
  private boolean readBroadcastNeeded;

  /** Follower: requests forwarded to the leader, not answered yet. */
  private final Set<Long> forwardedReads = new HashSet<>();

  /** A ReadIndex request waiting for the leader to confirm it still leads (thesis §6.4). */
  private record PendingRead(long heartbeatSeq, long index, NodeId requester, long requestId) {}

  ReadOnlyRequests(RaftNode node, RaftSettings config, MonotonicClock clock) {
    this.node = node;
    this.config = config;
    this.clock = clock;
  }

  /** Whether a read waits for a heartbeat round that has not gone out yet. */
  boolean broadcastNeeded() {
    return readBroadcastNeeded;
  }

  /** Forgets the lease and the heartbeat rounds of a leadership that ended (or starts). */
  void resetLeaderState() {
    timeoutNowSent = false;
    heartbeatSentNanos.clear();
    readBroadcastNeeded = false;
  }

  /** A TimeoutNow went out: no lease reads for the rest of the term. */
  void timeoutNowSent() {
    timeoutNowSent = true;
  }

  /**
   * Starts a heartbeat round: records when it goes out (the lease counts from it) and returns its
   * sequence, which the heartbeats carry.
   */
  long startHeartbeatRound() {
    readBroadcastNeeded = false;
    heartbeatSeq++;
    // Read just before the round goes out: the lease cannot start later than the sending.
    heartbeatSentNanos.put(heartbeatSeq, clock.nanos());
    while (heartbeatSentNanos.size() > 1024) {
      heartbeatSentNanos.pollFirstEntry();
    }
    return heartbeatSeq;
  }

  // ---------------------------------------------------------------------------------------------
  // Follower side.

  /** Forwards a read to {@code leader}; its answer comes back as a ReadIndexResponse. */
  void forward(long requestId, NodeId leader) {
    forwardedReads.add(requestId);
    node.send(new ReadIndexRequest(node.id(), leader, node.term(), requestId));
  }

  /** The leader's answer to a forwarded read; one not forwarded (or failed since) is ignored. */
  void onResponse(ReadIndexResponse r) {
    if (forwardedReads.remove(r.requestId())) {
      node.deliver(
          r.ok()
              ? ReadResult.ok(r.requestId(), r.readIndex())
              : ReadResult.failed(r.requestId(), node.leader()));
    }
  }

  /** Fails every forwarded read: the leader they went to is no longer ours. */
  void failForwardedReads() {
    for (long requestId : forwardedReads) {
      node.deliver(ReadResult.failed(requestId, Optional.empty()));
    }
    forwardedReads.clear();
  }

  // ---------------------------------------------------------------------------------------------
  // Leader side: ReadIndex (thesis §6.4) and lease reads (§6.4.1).

  void leaderReadIndex(NodeId requester, long requestId) {
    long commitIndex = node.commitIndex();
    if (commitIndex < node.leaderTermStart()) {
      // The leader must have committed an entry of its term to know the commit index (§6.4 step 1).
      readsAwaitingTermCommit.add(new PendingRead(0, 0, requester, requestId));
      return;
    }
    if (node.configuration().voterIds().equals(Set.of(node.id())) || leaseValid()) {
      answerRead(requester, requestId, commitIndex);
      return;
    }
    pendingReads.add(new PendingRead(heartbeatSeq + 1, commitIndex, requester, requestId));
    readBroadcastNeeded = true;
  }

  /** The leader committed an entry of its term: the reads that waited for it go on. */
  void retryReadsAwaitingTermCommit() {
    if (readsAwaitingTermCommit.isEmpty()) {
      return;
    }
    List<PendingRead> waiting = new ArrayList<>(readsAwaitingTermCommit);
    readsAwaitingTermCommit.clear();
    for (PendingRead r : waiting) {
      leaderReadIndex(r.requester(), r.requestId());
    }
  }

  /**
   * The leader's lease (thesis §6.4.1): a majority acknowledged a heartbeat round sent at time T on
   * our monotonic clock, so none of them helps elect another leader before T + {@link
   * RaftSettings#leaseNanos()} in real time (CheckQuorum stickiness, with the drift bound taken
   * off). Measured on the clock, not in ticks: the driver drops ticks when it stalls (GC, a slow
   * fsync), and a lease counted in ticks would outlive the stall while the voters' promises run
   * out. Off during a transfer, whose TimeoutNow bypasses that stickiness.
   */
  private boolean leaseValid() {
    if (!config.leaseRead() || node.transferInProgress() || timeoutNowSent) {
      // A TimeoutNow lets its target campaign past every voter's stickiness, even one delivered
      // after the transfer was abandoned: for the rest of the term, confirm reads by heartbeats.
      return false;
    }
    long seq = quorumAckedHeartbeat();
    Long sentAt = heartbeatSentNanos.get(seq);
    return sentAt != null && clock.nanos() - sentAt < config.leaseNanos();
  }

  /** The highest heartbeat sequence acknowledged by a majority of voters (ourselves included). */
  private long quorumAckedHeartbeat() {
    Configuration c = node.configuration();
    List<Long> acks = new ArrayList<>();
    for (NodeId voter : c.voterIds()) {
      if (voter.equals(node.id())) {
        acks.add(Long.MAX_VALUE);
      } else {
        Progress p = node.progressOf(voter);
        acks.add(p == null ? 0 : p.ackedHeartbeat);
      }
    }
    acks.sort(Collections.reverseOrder());
    return acks.get(c.quorum() - 1);
  }

  /** A follower acknowledged a newer heartbeat: answers the reads a majority has now confirmed. */
  void resolveConfirmedReads() {
    if (pendingReads.isEmpty()) {
      return;
    }
    long confirmed = quorumAckedHeartbeat();
    Iterator<PendingRead> it = pendingReads.iterator();
    while (it.hasNext()) {
      PendingRead r = it.next();
      if (r.heartbeatSeq() <= confirmed) {
        it.remove();
        answerRead(r.requester(), r.requestId(), r.index());
      }
    }
  }

  private void answerRead(NodeId requester, long requestId, long index) {
    if (requester.equals(node.id())) {
      node.deliver(ReadResult.ok(requestId, index));
    } else {
      node.send(new ReadIndexResponse(node.id(), requester, node.term(), requestId, index, true));
    }
  }

  /** Fails every read the leader holds: it is stepping down. */
  void failPendingReads() {
    List<PendingRead> all = new ArrayList<>(pendingReads);
    all.addAll(readsAwaitingTermCommit);
    pendingReads.clear();
    readsAwaitingTermCommit.clear();
    for (PendingRead r : all) {
      if (r.requester().equals(node.id())) {
        node.deliver(ReadResult.failed(r.requestId(), Optional.empty()));
      } else {
        node.send(
            new ReadIndexResponse(node.id(), r.requester(), node.term(), r.requestId(), 0, false));
      }
    }
  }
}
