package io.spindle.node.domain;

import java.util.List;

/** A stored file and its chunks in index order, as of one consistent read. */
public record FileLayout(FileInfo file, List<ChunkInfo> chunks) {
  public FileLayout {
    chunks = List.copyOf(chunks);
  }
}
