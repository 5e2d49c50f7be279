package io.spindle.node.domain;

import java.util.Objects;

/** One chunk of a stored file: its index, size in bytes and SHA-256 (lower-case hex). */
public record ChunkInfo(int index, int size, String sha256) {
  public ChunkInfo {
    Objects.requireNonNull(sha256, "sha256");
  }
}
