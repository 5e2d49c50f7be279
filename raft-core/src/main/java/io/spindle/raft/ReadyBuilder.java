package io.spindle.raft;

import io.spindle.raft.message.Message;
import java.util.ArrayList;
import java.util.List;

/**
 * What a node hands its driver in {@link Ready}s and what the driver acknowledged: the messages and
 * read results queued until the next Ready, a snapshot to install, the committed entries handed out
 * to be applied (up to the applied index; none while applying is paused), and the hard state the
 * driver last persisted. The node does its own work before a Ready is collected (flushing
 * proposals, a leader's appends) and after it is acknowledged (a leader's commit).
 *
 * <p><b>Threading:</b> single-threaded, owned by one {@link RaftNode} and called only from its
 * driver's thread.
 */
final class ReadyBuilder {
  private static final long MAX_APPLY_BATCH_BYTES = 64L << 20;

  private final RaftLog log;
  private final ReadOnlyRequests reads;

  private HardState persistedHardState;
  private long appliedIndex;
  private boolean applyPaused;

  private List<Message> messages = new ArrayList<>();
  private List<ReadResult> readResults = new ArrayList<>();
  private SnapshotMeta snapshotToInstall;

  ReadyBuilder(RaftLog log, ReadOnlyRequests reads, HardState persistedHardState) {
    this.log = log;
    this.reads = reads;
    this.persistedHardState = persistedHardState;
  }

  /** The index of the last entry handed out in a Ready's committedEntries (or snapshot). */
  long appliedIndex() {
    return appliedIndex;
  }

  /** The state machine has applied up to {@code index} already: hand out only what follows. */
  void appliedUpTo(long index) {
    appliedIndex = index;
  }

  /** Hands out {@code meta} to be installed; the entries it covers count as applied. */
  void installSnapshot(SnapshotMeta meta) {
    appliedIndex = meta.index();
    snapshotToInstall = meta;
  }

  /** See {@link RaftNode#pauseApply}. */
  void pauseApply(boolean paused) {
    this.applyPaused = paused;
  }

  void send(Message m) {
    messages.add(m);
  }

  void deliver(ReadResult result) {
    readResults.add(result);
  }

  /**
   * Whether there is work for a Ready, but for a leader's appends: {@code hardState} is the node's
   * term and vote, {@code commitIndex} how far it knows entries committed.
   */
  boolean hasReady(HardState hardState, long commitIndex) {
    if (!messages.isEmpty()
        || log.hasUnstable()
        || !readResults.isEmpty()
        || snapshotToInstall != null
        || log.appendedSinceReady()
        || reads.broadcastNeeded()
        || !hardState.equals(persistedHardState)) {
      return true;
    }
    return !applyPaused && commitIndex > appliedIndex && appliedIndex < log.storedLastIndex();
  }

  /** Collects the work queued, the hard state if changed and the committed entries to apply. */
  Ready build(HardState hardState, long commitIndex) {
    HardState changed = hardState.equals(persistedHardState) ? null : hardState;
    boolean mustSync = log.takeAppendedSinceReady() || changed != null;

    List<Entry> committed = List.of();
    long applyTo = Math.min(commitIndex, log.storedLastIndex());
    if (!applyPaused && applyTo > appliedIndex && appliedIndex >= log.snapshotIndex()) {
      committed = log.entries(appliedIndex + 1, applyTo, MAX_APPLY_BATCH_BYTES);
      appliedIndex = committed.get(committed.size() - 1).index();
    }
    SnapshotMeta install = snapshotToInstall;
    snapshotToInstall = null;
    List<Message> out = messages;
    messages = new ArrayList<>();
    List<ReadResult> results = readResults;
    readResults = new ArrayList<>();
    return new Ready(changed, mustSync, log.storedLastIndex(), out, install, committed, results);
  }

  /** The driver did a Ready's work: its hard state is persisted, its entries synced. */
  void advance(Ready ready) {
    if (ready.hardState() != null) {
      persistedHardState = ready.hardState();
    }
    if (ready.mustSync()) {
      log.synced(ready.lastAppendedIndex());
    }
  }
}
