package io.spindle.raft;

import io.spindle.raft.message.AppendEntries;
import io.spindle.raft.message.AppendEntriesResponse;
import io.spindle.raft.message.Heartbeat;
import io.spindle.raft.message.HeartbeatResponse;
import java.util.List;
import java.util.Map;

/**
 * A leader's log replication to its followers (§5.3): pipelined AppendEntries within the in-flight
 * limits, fast back-off after a rejection, heartbeat rounds, loss detection, and the CheckQuorum
 * activity count (§6.2). Works on the followers' {@link Progress}, a map the node owns and shares
 * with it (the node adds and drops followers as leadership and membership change); snapshots go
 * through the {@link SnapshotSender}.
 *
 * <p><b>Threading:</b> single-threaded, owned by one {@link RaftNode} and called only from its
 * driver's thread, only while the node leads.
 */
final class LeaderReplication {
  private final RaftNode node;
  private final RaftSettings config;
  private final RaftLog log;
  private final Map<NodeId, Progress> progress;
  private final SnapshotSender snapshotSender;
  private final ReadOnlyRequests reads;

  LeaderReplication(
      RaftNode node,
      RaftSettings config,
      RaftLog log,
      Map<NodeId, Progress> progress,
      SnapshotSender snapshotSender,
      ReadOnlyRequests reads) {
    this.node = node;
    this.config = config;
    this.log = log;
    this.progress = progress;
    this.snapshotSender = snapshotSender;
    this.reads = reads;
  }

  boolean anyFollowerNeedsAppend() {
    long last = node.lastIndex();
    long commitIndex = node.commitIndex();
    for (Progress p : progress.values()) {
      if (p.state == Progress.State.SNAPSHOT) {
        if (!p.snapshotChunkSent) {
          return true;
        }
        continue;
      }
      if (p.paused(config.maxInflightMessages(), config.maxInflightBytes())) {
        continue;
      }
      if (p.next <= last || (p.state == Progress.State.REPLICATE && p.sentCommit < commitIndex)) {
        return true;
      }
    }
    return false;
  }

  /** Sends every follower what it lacks, as far as its in-flight limits allow. */
  void sendAppends() {
    for (Progress p : progress.values()) {
      sendAppendsTo(p);
    }
  }

  private void sendAppendsTo(Progress p) {
    if (p.state == Progress.State.SNAPSHOT) {
      snapshotSender.sendChunk(p);
      return;
    }
    long last = log.storedLastIndex();
    while (!p.paused(config.maxInflightMessages(), config.maxInflightBytes())) {
      long commitIndex = node.commitIndex();
      boolean hasEntries = p.next <= last;
      boolean commitNews = p.sentCommit < commitIndex;
      if (!hasEntries && !(commitNews && p.state == Progress.State.REPLICATE)) {
        return;
      }
      long prev = p.next - 1;
      if (prev < log.snapshotIndex()) {
        snapshotSender.start(p);
        return;
      }
      List<Entry> entries =
          hasEntries ? log.entries(p.next, last, config.maxMessageBytes()) : List.of();
      long leaderCommit = commitIndex;
      AppendEntries msg =
          new AppendEntries(
              node.id(), p.id, node.term(), prev, log.storedTerm(prev), entries, leaderCommit);
      node.send(msg);
      p.sentCommit = leaderCommit;
      long lastSent = prev + entries.size();
      if (p.state == Progress.State.REPLICATE) {
        p.addInflight(lastSent, msg.sizeInBytes());
        p.next = lastSent + 1;
      } else {
        p.probeSent = true;
        return;
      }
    }
  }

  void onAppendResponse(Progress p, AppendEntriesResponse r) {
    if (r.success()) {
      boolean advanced = p.maybeUpdate(r.matchIndex());
      if (p.state == Progress.State.SNAPSHOT && p.match >= p.snapshot.index()) {
        // An append from before the snapshot shows the follower already past it.
        p.becomeProbe();
      }
      if (p.state == Progress.State.PROBE) {
        // Found where the logs match: from here on, pipeline.
        p.becomeReplicate();
      }
      if (advanced) {
        node.maybeCommit();
        node.maybeSendTimeoutNow(p);
      }
      return;
    }
    // Rejected: only a rejection of what we currently expect moves nextIndex back, and never
    // below match. A follower that answers from the storage it acknowledged from never loses what
    // it acknowledged (it synced first), so a rejection that seems to say so is a stale one,
    // overtaken on the network by the answers that raised match.
    if (r.matchIndex() < p.match || r.lastLogIndex() < p.match) {
      return;
    }
    if (p.state == Progress.State.PROBE && r.matchIndex() != p.next - 1) {
      return;
    }
    if (p.state == Progress.State.SNAPSHOT) {
      return;
    }
    long next = nextIndexAfterReject(r);
    p.becomeProbe();
    p.next = Math.max(p.match + 1, Math.min(next, node.lastIndex() + 1));
  }

  /** Fast back-off: skip a whole conflicting term at once (§5.3, thesis §5.4.1 footnote). */
  private long nextIndexAfterReject(AppendEntriesResponse r) {
    if (r.conflictTerm() == 0) {
      return r.conflictIndex();
    }
    long i = Math.min(r.matchIndex(), node.lastIndex());
    while (i > log.snapshotIndex() && log.termAt(i) > r.conflictTerm()) {
      i--;
    }
    if (i > log.snapshotIndex() && log.termAt(i) == r.conflictTerm()) {
      return i + 1;
    }
    return r.conflictIndex();
  }

  void onHeartbeatResponse(Progress p, HeartbeatResponse r) {
    if (r.readContext() > p.ackedHeartbeat) {
      p.ackedHeartbeat = r.readContext();
      reads.resolveConfirmedReads();
    }
    if (p.state == Progress.State.PROBE) {
      // The follower is reachable again: let the probe go out once more.
      p.probeSent = false;
    } else if (p.state == Progress.State.REPLICATE
        && r.readContext() == p.lastHeartbeatSeq
        && r.lastLogIndex() < p.lastSentAtHeartbeat) {
      // The heartbeat overtook appends sent before it: they were lost (the transport drops under
      // back-pressure). Find the match point again instead of waiting for a rejection.
      p.becomeProbe();
    }
  }

  void broadcastHeartbeat() {
    long heartbeatSeq = reads.startHeartbeatRound();
    long commitIndex = node.commitIndex();
    for (Progress p : progress.values()) {
      p.lastHeartbeatSeq = heartbeatSeq;
      p.lastSentAtHeartbeat = p.next - 1;
      node.send(
          new Heartbeat(
              node.id(), p.id, node.term(), Math.min(p.match, commitIndex), heartbeatSeq));
    }
  }

  /**
   * One tick of the leader: a follower whose match did not move for an election timeout while
   * appends were out is probed again, and an unanswered snapshot chunk is resent.
   */
  void tick() {
    for (Progress p : progress.values()) {
      if (p.state == Progress.State.REPLICATE && p.inflightCount() > 0) {
        // Appends are out but no answer moved match for an election timeout (lost messages or
        // answers): probe again so that match, and with it commit, cannot stall.
        p.stalledTicks = p.match == p.matchAtLastTick ? p.stalledTicks + 1 : 0;
        p.matchAtLastTick = p.match;
        if (p.stalledTicks >= config.electionTicks()) {
          p.becomeProbe();
        }
      }
      snapshotSender.tick(p);
    }
  }

  /**
   * CheckQuorum (§6.2): whether a majority of voters (ourselves included) was heard from since the
   * last check; starts the next window.
   */
  boolean quorumRecentlyActive() {
    Configuration c = node.configuration();
    int active = c.isVoter(node.id()) ? 1 : 0;
    for (Progress p : progress.values()) {
      if (c.isVoter(p.id) && p.recentActive) {
        active++;
      }
      p.recentActive = false;
    }
    return active >= c.quorum();
  }
}
