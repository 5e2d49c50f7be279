package io.spindle.node.application;

import java.util.Objects;

/**
 * A run of consecutive chunks of one stored file in this node's copy, found by {@link
 * FileService#chunkRun} and streamed by {@link FileService#writeChunks}: chunks {@code first} to
 * {@code first + count - 1} of upload {@code uploadId}, {@code bytes} in all. An upload's chunks
 * never change; if the file is replaced or deleted before they are streamed, they may be gone.
 */
public record ChunkRun(String uploadId, int first, int count, long bytes) {
  public ChunkRun {
    Objects.requireNonNull(uploadId, "uploadId");
    if (first < 0 || count < 1 || bytes < 0) {
      throw new IllegalArgumentException(
          "a chunk run needs first >= 0, count >= 1 and bytes >= 0, got "
              + first
              + ", "
              + count
              + ", "
              + bytes);
    }
  }
}
