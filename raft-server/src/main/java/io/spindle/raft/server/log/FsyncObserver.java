package io.spindle.raft.server.log;

/**
 * Told how long each fsync of the log took, for a node's metrics (a latency histogram). An
 * observation covers one durability step: the group commit of {@link SegmentedLogStore#sync} (the
 * last segment's data, and the directory if a segment was created since), or the fsync of a full
 * segment before the next one is created. A {@code sync} with nothing to make durable does no fsync
 * and is not observed; nor are the fsyncs of recovery at open.
 *
 * <p><b>Threading:</b> called on the thread that calls the log (the Raft driver's), right after the
 * fsync returned. It must be quick and must not block or throw: the driver is waiting to send.
 */
@FunctionalInterface
public interface FsyncObserver {
  /** Observes nothing. */
  FsyncObserver NONE = nanos -> {};

  /**
   * @param nanos how long the fsync took, on the monotonic clock ({@link System#nanoTime()})
   */
  void fsynced(long nanos);
}
