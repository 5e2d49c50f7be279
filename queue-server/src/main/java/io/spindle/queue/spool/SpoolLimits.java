package io.spindle.queue.spool;

import java.time.Duration;
import java.util.Objects;

/**
 * The bounds of a {@link ChunkSpool}.
 *
 * @param maxBytes the announced sizes of all uploads together (disk the spool may use)
 * @param maxUploads uploads at the same time
 * @param idleTimeout an upload neither receiving chunks nor pinned by a job for this long is
 *     abandoned: its files are deleted
 * @param minFreeBytes free space the spool's disk keeps: below it, new writes are refused
 *     (NO_SPACE) so that the disk never fills silently
 */
public record SpoolLimits(long maxBytes, int maxUploads, Duration idleTimeout, long minFreeBytes) {
  public SpoolLimits {
    Objects.requireNonNull(idleTimeout, "idleTimeout");
    if (maxBytes <= 0 || maxUploads <= 0 || minFreeBytes < 0) {
      throw new IllegalArgumentException("spool limits must be positive");
    }
  }

  /** Limits that watch no free-space watermark. */
  public SpoolLimits(long maxBytes, int maxUploads, Duration idleTimeout) {
    this(maxBytes, maxUploads, idleTimeout, 0);
  }

  public static SpoolLimits defaults() {
    return new SpoolLimits(64L * 1024 * 1024 * 1024, 1024, Duration.ofMinutes(10), 1L << 30);
  }
}
