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
 */
public record SpoolLimits(long maxBytes, int maxUploads, Duration idleTimeout) {
  public SpoolLimits {
    Objects.requireNonNull(idleTimeout, "idleTimeout");
    if (maxBytes <= 0 || maxUploads <= 0) {
      throw new IllegalArgumentException("spool limits must be positive");
    }
  }

  public static SpoolLimits defaults() {
    return new SpoolLimits(64L * 1024 * 1024 * 1024, 1024, Duration.ofMinutes(10));
  }
}
