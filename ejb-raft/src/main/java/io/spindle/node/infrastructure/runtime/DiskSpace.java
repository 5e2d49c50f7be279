package io.spindle.node.infrastructure.runtime;

import io.spindle.node.application.StorageWatermark;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.function.LongSupplier;

/**
 * The free space on the disk of a node's data directory, against a watermark ({@value
 * NodeRuntime#MIN_FREE_BYTES}): below it, the node takes no writes (REST answers 507, a write job
 * NO_SPACE, and the queue server refuses new writes while any member reports it), so that a disk
 * never fills silently under the log and the database; reads go on.
 *
 * <p><b>Threading:</b> thread-safe; the file system is asked at most once a second.
 */
public final class DiskSpace implements StorageWatermark {
  private static final long RECHECK_NANOS = 1_000_000_000L;

  private final String what;
  private final long minFreeBytes;
  private final LongSupplier usableBytes;
  private final LongSupplier nanoTime;
  private volatile long lastFree = Long.MAX_VALUE;
  private volatile long checkedAt;
  private volatile boolean checked;

  DiskSpace(String what, long minFreeBytes, LongSupplier usableBytes, LongSupplier nanoTime) {
    if (minFreeBytes < 0) {
      throw new IllegalArgumentException("a free-space watermark is not negative: " + minFreeBytes);
    }
    this.what = what;
    this.minFreeBytes = minFreeBytes;
    this.usableBytes = usableBytes;
    this.nanoTime = nanoTime;
  }

  /** The disk {@code dir} is on, with the watermark {@code minFreeBytes}. */
  static DiskSpace of(String what, Path dir, long minFreeBytes) {
    return new DiskSpace(
        what,
        minFreeBytes,
        () -> {
          try {
            return Files.getFileStore(dir).getUsableSpace();
          } catch (IOException e) {
            return Long.MAX_VALUE; // cannot tell: do not refuse writes on a guess
          }
        },
        System::nanoTime);
  }

  /** Bytes free for this node's files, at most a second old. */
  @Override
  public long freeBytes() {
    long now = nanoTime.getAsLong();
    if (!checked || now - checkedAt >= RECHECK_NANOS) {
      lastFree = usableBytes.getAsLong();
      checkedAt = now;
      checked = true;
    }
    return lastFree;
  }

  public long minFreeBytes() {
    return minFreeBytes;
  }

  @Override
  public boolean isLow() {
    return freeBytes() < minFreeBytes;
  }

  /** Why a write is refused now, or empty. */
  @Override
  public Optional<String> writeProblem() {
    long free = freeBytes();
    if (free >= minFreeBytes) {
      return Optional.empty();
    }
    return Optional.of(
        "the disk of "
            + what
            + " has "
            + free
            + " bytes free, under its watermark of "
            + minFreeBytes
            + " (spindle.files.min-free-bytes): writes are refused until space is freed; reads go"
            + " on");
  }
}
