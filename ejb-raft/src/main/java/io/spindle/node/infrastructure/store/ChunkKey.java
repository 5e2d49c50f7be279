package io.spindle.node.infrastructure.store;

import java.io.Serializable;
import java.util.Objects;

/** The key of a {@link ChunkRow}: its upload and its position in it. */
public class ChunkKey implements Serializable {
  private static final long serialVersionUID = 1L;

  private String uploadId;
  private int chunkIndex;

  public ChunkKey() {}

  ChunkKey(String uploadId, int chunkIndex) {
    this.uploadId = uploadId;
    this.chunkIndex = chunkIndex;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ChunkKey k
        && k.chunkIndex == chunkIndex
        && Objects.equals(k.uploadId, uploadId);
  }

  @Override
  public int hashCode() {
    return Objects.hash(uploadId, chunkIndex);
  }
}
