package io.spindle.node.domain;

import java.time.Instant;
import java.util.Objects;

/**
 * A stored, committed file: its name, size, SHA-256 (lower-case hex), chunk count and when its
 * commit was applied ({@code storedAt}, taken from the committing entry so that every replica
 * agrees).
 */
public record FileInfo(FileName name, long size, String sha256, int chunkCount, Instant storedAt) {
  public FileInfo {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(sha256, "sha256");
    Objects.requireNonNull(storedAt, "storedAt");
  }
}
