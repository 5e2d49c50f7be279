package io.spindle.node.infrastructure.runtime;

import io.spindle.node.application.LatencyHistogram;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counters of one node for its metrics: written by the driver's thread (fsyncs, appends) and by
 * request threads (proposals), read by anyone. Each counter is thread-safe on its own; a reader may
 * see them a moment apart (the fsyncs' sum a moment apart from their buckets).
 */
public final class NodeStatistics {
  /**
   * The fsync histogram's upper bounds in seconds: from 100 µs (an SSD with a write cache) to 10 s
   * (a disk that is failing), about three per decade.
   */
  static final double[] FSYNC_BOUNDS_SECONDS = {
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10
  };

  private final LongAdder proposals = new LongAdder();
  private final LongAdder appendedEntries = new LongAdder();
  // One more bucket than bounds: +Inf. Counts per bucket, not cumulative.
  private final AtomicLongArray fsyncBuckets = new AtomicLongArray(FSYNC_BOUNDS_SECONDS.length + 1);
  private final LongAdder fsyncNanos = new LongAdder();

  void proposed(int entries) {
    proposals.add(entries);
  }

  /** One fsync of the log took {@code nanos} (the log's {@code FsyncObserver}). */
  void synced(long nanos) {
    double seconds = nanos / 1e9;
    int bucket = 0;
    while (bucket < FSYNC_BOUNDS_SECONDS.length && seconds > FSYNC_BOUNDS_SECONDS[bucket]) {
      bucket++;
    }
    fsyncBuckets.incrementAndGet(bucket);
    fsyncNanos.add(nanos);
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

  /** Entries appended to the local log (leader: proposals and no-ops; follower: replicated). */
  public long appendedEntries() {
    return appendedEntries.sum();
  }

  /** How long the log's fsyncs took (each may cover many entries: group commit). */
  public LatencyHistogram fsyncs() {
    List<Double> bounds = new ArrayList<>(FSYNC_BOUNDS_SECONDS.length + 1);
    List<Long> cumulative = new ArrayList<>(FSYNC_BOUNDS_SECONDS.length + 1);
    long count = 0;
    for (int i = 0; i < fsyncBuckets.length(); i++) {
      count += fsyncBuckets.get(i);
      bounds.add(
          i < FSYNC_BOUNDS_SECONDS.length ? FSYNC_BOUNDS_SECONDS[i] : Double.POSITIVE_INFINITY);
      cumulative.add(count);
    }
    return new LatencyHistogram(bounds, cumulative, fsyncNanos.sum() / 1e9);
  }
}
