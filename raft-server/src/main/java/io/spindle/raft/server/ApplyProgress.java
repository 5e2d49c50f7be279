package io.spindle.raft.server;

import io.spindle.raft.Entry;
import io.spindle.raft.NodeId;
import io.spindle.raft.RaftNode;
import io.spindle.raft.SnapshotMeta;
import java.util.List;
import java.util.logging.Logger;

/**
 * How far a {@link RaftDriver}'s apply thread has got, as the driver's thread hears it: hands it
 * committed entries (holding the core back while it is too far behind), and on news from it
 * publishes the status, completes the proposals and serves the reads that its progress decides.
 *
 * <p><b>Threading:</b> the driver's thread only; the apply thread's news reaches it as tasks queued
 * for the driver's thread. <b>Blocking:</b> never.
 */
final class ApplyProgress {
  /** The driver's logger: operators configure and read the node's story under that one name. */
  private static final Logger LOG = Logger.getLogger(RaftDriver.class.getName());

  /**
   * Committed entries handed to the apply thread and not yet applied, at most (about): 4,000 small
   * writes, or 16 chunks of a large file, which the heap holds until they are applied.
   */
  private static final long MAX_APPLY_BACKLOG_BYTES = 16L << 20;

  /**
   * Committed entries handed to the apply thread and not yet applied, at most (about), whatever
   * their bytes: each one costs the heap far more than its bytes while it waits (a delete is about
   * 100 bytes of entry), and a follower that fell behind must not hold its whole backlog.
   */
  private static final long MAX_APPLY_BACKLOG_ENTRIES = 8 * Applier.MAX_BATCH_ENTRIES;

  private final NodeId id;
  private final RaftNode node;
  private final Applier applier;
  private final PendingProposals proposals;
  private final PendingReads reads;
  private final StatusPublisher statusPublisher;
  private final LoopStats stats;

  /** How far the apply thread has applied, as the driver last heard. */
  private long appliedIndex;

  /** Bytes of entries handed to the apply thread and not yet applied. */
  private long applyBacklogBytes;

  /** Entries handed to the apply thread and not yet applied. */
  private long applyBacklogEntries;

  /**
   * Progress from {@code appliedIndex}, how far the state machine had applied as the node started.
   */
  ApplyProgress(
      NodeId id,
      RaftNode node,
      Applier applier,
      PendingProposals proposals,
      PendingReads reads,
      StatusPublisher statusPublisher,
      LoopStats stats,
      long appliedIndex) {
    this.id = id;
    this.node = node;
    this.applier = applier;
    this.proposals = proposals;
    this.reads = reads;
    this.statusPublisher = statusPublisher;
    this.stats = stats;
    this.appliedIndex = appliedIndex;
  }

  /** How far the apply thread has applied, as the driver last heard. */
  long appliedIndex() {
    return appliedIndex;
  }

  /**
   * Hands committed entries to the apply thread. While it is further behind than {@link
   * #MAX_APPLY_BACKLOG_BYTES} or {@link #MAX_APPLY_BACKLOG_ENTRIES}, the core keeps further
   * committed entries in the log.
   */
  void handToApplier(List<Entry> entries) {
    long bytes = Applier.bytesOf(entries);
    long last = entries.get(entries.size() - 1).index();
    applier.apply(entries, node.configurationAt(last), bytes);
    applyBacklogBytes += bytes;
    applyBacklogEntries += entries.size();
    if (applyBacklogBytes > MAX_APPLY_BACKLOG_BYTES
        || applyBacklogEntries > MAX_APPLY_BACKLOG_ENTRIES) {
      node.pauseApply(true);
    }
  }

  /** The apply thread applied {@code entries} ({@code bytes} of them) in {@code nanos}. */
  void applied(List<Entry> entries, List<byte[]> results, long bytes, long nanos) {
    applyBacklogBytes -= bytes;
    applyBacklogEntries -= entries.size();
    if (applyBacklogBytes <= MAX_APPLY_BACKLOG_BYTES / 2
        && applyBacklogEntries <= MAX_APPLY_BACKLOG_ENTRIES / 2) {
      node.pauseApply(false);
    }
    stats.applied += entries.size();
    stats.applyNanos += nanos;
    appliedIndex = Math.max(appliedIndex, entries.get(entries.size() - 1).index());
    // Whoever learns that a proposal applied must find status() at least as far.
    statusPublisher.publish(appliedIndex);
    proposals.resolve(entries, results);
    reads.serve(appliedIndex);
  }

  /** The apply thread installed snapshot {@code meta} from the leader. */
  void installed(SnapshotMeta meta) {
    appliedIndex = Math.max(appliedIndex, meta.index());
    statusPublisher.publish(appliedIndex);
    reads.serve(appliedIndex);
    LOG.info(() -> "Raft node " + id + " installed snapshot " + meta.index() + "@" + meta.term());
  }
}
