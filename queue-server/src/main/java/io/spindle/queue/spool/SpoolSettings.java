package io.spindle.queue.spool;

import java.time.Duration;
import java.util.Objects;

/**
 * The bounds of a {@link ChunkSpool}.
 *
 * @param maxBytes disk the spool may use: what all uploads together may take, counted in whole
 *     file-system blocks
 * @param maxUploads uploads at the same time
 * @param idleTimeout an upload neither receiving chunks nor pinned by a job for this long is
 *     abandoned: its files are deleted
 * @param minFreeBytes free space the spool's disk keeps: below it, new writes are refused
 *     (NO_SPACE) so that the disk never fills silently
 * @param maxBytesPerClient what the uploads of one client (one token) may take together
 * @param maxUploadsPerClient uploads of one client at the same time
 */
public record SpoolSettings(
    long maxBytes,
    int maxUploads,
    Duration idleTimeout,
    long minFreeBytes,
    long maxBytesPerClient,
    int maxUploadsPerClient) {
  public SpoolSettings {
    Objects.requireNonNull(idleTimeout, "idleTimeout");
    if (maxBytes <= 0
        || maxUploads <= 0
        || minFreeBytes < 0
        || maxBytesPerClient <= 0
        || maxUploadsPerClient <= 0) {
      throw new IllegalArgumentException("spool limits must be positive");
    }
  }

  /** Limits that watch no free-space watermark and give one client the whole spool. */
  public SpoolSettings(long maxBytes, int maxUploads, Duration idleTimeout) {
    this(maxBytes, maxUploads, idleTimeout, 0, maxBytes, maxUploads);
  }

  /** 64 GiB and 1,024 uploads, half the bytes and a quarter of the uploads for one client. */
  public static SpoolSettings defaults() {
    long max = 64L * 1024 * 1024 * 1024;
    return new SpoolSettings(max, 1024, Duration.ofMinutes(10), 1L << 30, max / 2, 256);
  }
}
