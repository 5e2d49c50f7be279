package io.spindle.node.infrastructure.runtime;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counters of one node for its metrics: written by the driver's thread (fsyncs, appends) and by
 * request threads (proposals), read by anyone. Each counter is thread-safe on its own; a reader may
 * see them a moment apart.
 */
public final class NodeStatistics {
  private final LongAdder proposals = new LongAdder();
  private final LongAdder fsyncs = new LongAdder();
  private final LongAdder fsyncNanos = new LongAdder();
  private final AtomicLong lastFsyncNanos = new AtomicLong();
  private final LongAdder appendedEntries = new LongAdder();

  void proposed(int entries) {
    proposals.add(entries);
  }

  void synced(long nanos) {
    fsyncs.increment();
    fsyncNanos.add(nanos);
    lastFsyncNanos.set(nanos);
  }

  void appended(int entries) {
    appendedEntries.add(entries);
  }

  /**
   * Entries this node appended to its log as leader: the commands proposed to it, plus one no-op
   * per term it won. (Counted at the log, so every service's proposals are included.)
   */
  public long proposals() {
    return proposals.sum();
  }

  /** Log fsyncs (each may cover many entries: group commit). */
  public long fsyncs() {
    return fsyncs.sum();
  }

  public double fsyncSecondsTotal() {
    return fsyncNanos.sum() / 1e9;
  }

  public double lastFsyncSeconds() {
    return lastFsyncNanos.get() / 1e9;
  }

  /** Entries appended to the local log (leader: proposals and no-ops; follower: replicated). */
  public long appendedEntries() {
    return appendedEntries.sum();
  }
}
