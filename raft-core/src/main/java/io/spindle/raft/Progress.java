package io.spindle.raft;

import java.util.ArrayDeque;

/**
 * A leader's view of one follower's replication (thesis §3.5 nextIndex/matchIndex, with etcd's
 * three states). In {@link State#PROBE} the leader sends one AppendEntries at a time until it finds
 * where the logs match; in {@link State#REPLICATE} it pipelines optimistically within the in-flight
 * limits; in {@link State#SNAPSHOT} it streams a snapshot chunk by chunk.
 */
final class Progress {
  enum State {
    PROBE,
    REPLICATE,
    SNAPSHOT
  }

  final NodeId id;
  State state = State.PROBE;
  long match;
  long next;

  /** PROBE: an AppendEntries is out and unanswered; wait for it (or a heartbeat) before another. */
  boolean probeSent;

  /** Heard from within the current CheckQuorum window. */
  boolean recentActive;

  /** The highest heartbeat sequence this follower acknowledged (ReadIndex and lease). */
  long ackedHeartbeat;

  /** The latest heartbeat sent and the last index sent before it (loss detection). */
  long lastHeartbeatSeq;

  long lastSentAtHeartbeat;

  /** Ticks in a row during which match did not move while appends were in flight. */
  int stalledTicks;

  long matchAtLastTick;

  /**
   * The storage the follower answered the latest heartbeat from (answers to older ones do not
   * change it, so a late answer from a disk that is gone cannot), and that heartbeat's sequence.
   */
  StorageId storageSeen = StorageId.UNKNOWN;

  long storageSeenAtHeartbeat = -1;

  /** The follower answered without saying its storage (a peer of an older version). */
  boolean answeredWithoutStorage;

  /** The commit index last sent, so an idle follower learns a new commit without a heartbeat. */
  long sentCommit;

  /** REPLICATE: the last index and size of each AppendEntries in flight, oldest first. */
  private final ArrayDeque<long[]> inflight = new ArrayDeque<>();

  private long inflightBytes;

  /** SNAPSHOT: the snapshot being sent, the next byte to send and whether a chunk is out. */
  SnapshotMeta snapshot;

  long snapshotOffset;
  boolean snapshotChunkSent;
  int snapshotTicksWaiting;

  Progress(NodeId id, long next) {
    this.id = id;
    this.next = next;
  }

  void becomeProbe() {
    state = State.PROBE;
    stalledTicks = 0;
    next = match + 1;
    probeSent = false;
    clearInflight();
    snapshot = null;
  }

  void becomeReplicate() {
    state = State.REPLICATE;
    next = match + 1;
    probeSent = false;
    clearInflight();
  }

  void becomeSnapshot(SnapshotMeta meta) {
    state = State.SNAPSHOT;
    snapshot = meta;
    snapshotOffset = 0;
    snapshotChunkSent = false;
    snapshotTicksWaiting = 0;
    clearInflight();
  }

  /** Notes the storage an answer to heartbeat {@code seq} came from, if it is the latest one. */
  void noteStorage(StorageId storage, long seq) {
    if (seq >= storageSeenAtHeartbeat) {
      storageSeenAtHeartbeat = seq;
      if (storage.isKnown()) {
        storageSeen = storage;
      }
    }
  }

  /** Records an acknowledgement up to {@code index}; returns whether match advanced. */
  boolean maybeUpdate(long index) {
    boolean updated = false;
    if (index > match) {
      match = index;
      updated = true;
      probeSent = false;
    }
    next = Math.max(next, index + 1);
    freeInflightUpTo(index);
    return updated;
  }

  boolean windowFull(int maxMessages, long maxBytes) {
    return inflight.size() >= maxMessages || inflightBytes >= maxBytes;
  }

  void addInflight(long lastIndex, long bytes) {
    inflight.addLast(new long[] {lastIndex, bytes});
    inflightBytes += bytes;
  }

  int inflightCount() {
    return inflight.size();
  }

  private void freeInflightUpTo(long index) {
    while (!inflight.isEmpty() && inflight.peekFirst()[0] <= index) {
      inflightBytes -= inflight.removeFirst()[1];
    }
  }

  private void clearInflight() {
    inflight.clear();
    inflightBytes = 0;
  }

  /** Whether the leader may send this follower an AppendEntries now. */
  boolean paused(int maxMessages, long maxBytes) {
    switch (state) {
      case PROBE:
        return probeSent;
      case REPLICATE:
        return windowFull(maxMessages, maxBytes);
      default:
        return true;
    }
  }

  FollowerProgress view(boolean voter) {
    String detail =
        state == State.REPLICATE
            ? state + "(" + inflight.size() + " in flight)"
            : state == State.PROBE && probeSent ? state + "(waiting)" : state.name();
    return new FollowerProgress(id, voter, match, next, detail, recentActive);
  }
}
