package io.spindle.raft;

import java.util.Objects;

/**
 * Describes a snapshot: the last log entry it covers ({@code index}, {@code term}), the membership
 * in effect at that index, and its size in bytes.
 */
public record SnapshotMeta(long index, long term, Configuration configuration, long size) {
  public SnapshotMeta {
    Objects.requireNonNull(configuration, "configuration");
    if (index < 0 || term < 0 || size < 0) {
      throw new IllegalArgumentException("bad snapshot meta " + index + "/" + term + "/" + size);
    }
  }
}
