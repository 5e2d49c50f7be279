package io.spindle.raft.server;

import io.spindle.raft.NodeId;
import java.util.Locale;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Where a {@link RaftDriver}'s loop spends its time, logged at FINE every 10 s: the first thing to
 * read when tuning.
 *
 * <p><b>Threading:</b> the driver's thread only, like the {@link MeasuredLogStore} whose counters
 * it reports and resets. <b>Blocking:</b> never.
 */
final class LoopStats {
  /** The driver's logger: operators configure and read the node's story under that one name. */
  private static final Logger LOG = Logger.getLogger(RaftDriver.class.getName());

  private static final long PERIOD_NANOS = 10_000_000_000L;

  private final NodeId id;
  private final MeasuredLogStore log;
  long readies;
  long syncs;
  long syncNanos;
  long applied;
  long applyNanos;
  long messages;
  long idleNanos;
  long coreNanos;
  private long periodStart = System.nanoTime();

  LoopStats(NodeId id, MeasuredLogStore log) {
    this.id = id;
    this.log = log;
  }

  void maybeReport(long now) {
    long elapsed = now - periodStart;
    if (elapsed < PERIOD_NANOS) {
      return;
    }
    if (LOG.isLoggable(Level.FINE)) {
      LOG.fine(
          String.format(
              Locale.ROOT,
              "Raft node %s loop over %.1f s: %d readies, %d fsyncs (%.2f ms avg, %.0f%% of the"
                  + " time), %d entries applied (%.0f%%), %d messages sent, in the core %.0f%%"
                  + " (of which appending %d entries %.0f%%, reading %d entries %.0f%%), idle"
                  + " %.0f%%",
              id,
              elapsed / 1e9,
              readies,
              syncs,
              syncs == 0 ? 0.0 : syncNanos / 1e6 / syncs,
              100.0 * syncNanos / elapsed,
              applied,
              100.0 * applyNanos / elapsed,
              messages,
              100.0 * coreNanos / elapsed,
              log.appendedEntries,
              100.0 * log.appendNanos / elapsed,
              log.readEntries,
              100.0 * log.readNanos / elapsed,
              100.0 * idleNanos / elapsed));
    }
    readies = 0;
    syncs = 0;
    syncNanos = 0;
    applied = 0;
    applyNanos = 0;
    messages = 0;
    idleNanos = 0;
    coreNanos = 0;
    log.resetCounters();
    periodStart = now;
  }
}
