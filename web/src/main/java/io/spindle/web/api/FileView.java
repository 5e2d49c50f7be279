package io.spindle.web.api;

import io.spindle.node.domain.FileInfo;

/** A stored file as the API shows it. */
public record FileView(String name, long size, String sha256, int chunkCount, String storedAt) {
  static FileView of(FileInfo info) {
    return new FileView(
        info.name().value(),
        info.size(),
        info.sha256(),
        info.chunkCount(),
        info.storedAt().toString());
  }
}
