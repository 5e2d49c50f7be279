package io.spindle.queue.jobs;

import java.time.Duration;
import java.util.Objects;

/**
 * The bounds of {@link JobQueues}.
 *
 * @param leaderCapacity jobs the leader queue holds (queued, not leased)
 * @param sharedCapacity jobs the shared queue holds
 * @param maxQueuedBytes payload bytes (inline write data) all queued jobs hold together
 * @param lease how long a lease lasts unless renewed
 * @param maxFailures lost leases (expiry, node disconnect) and failures on a node, together, after
 *     which a job fails for good
 * @param maxGiveBacks times nodes may give a job back (not the leader any more, shutting down)
 *     before it fails for good: no job is passed around forever
 */
public record JobQueueSettings(
    int leaderCapacity,
    int sharedCapacity,
    long maxQueuedBytes,
    Duration lease,
    int maxFailures,
    int maxGiveBacks) {
  public JobQueueSettings {
    Objects.requireNonNull(lease, "lease");
    if (leaderCapacity <= 0
        || sharedCapacity <= 0
        || maxQueuedBytes <= 0
        || maxFailures <= 0
        || maxGiveBacks <= 0) {
      throw new IllegalArgumentException(
          "queue capacities, byte bound, failures and give-backs must be positive");
    }
    if (lease.isNegative() || lease.isZero()) {
      throw new IllegalArgumentException("the lease must be positive: " + lease);
    }
  }

  public static JobQueueSettings defaults() {
    return new JobQueueSettings(10_000, 10_000, 256L * 1024 * 1024, Duration.ofSeconds(10), 5, 20);
  }
}
