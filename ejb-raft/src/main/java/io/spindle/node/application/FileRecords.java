package io.spindle.node.application;

import io.spindle.node.domain.FileInfo;
import io.spindle.node.domain.FileName;
import io.spindle.node.domain.Sha256;
import io.spindle.protocol.node.FileRecord;
import java.nio.charset.StandardCharsets;
import java.time.Instant;

/** The file store's records ({@code node.proto}'s {@code FileRecord}) as the domain's files. */
public final class FileRecords {
  private FileRecords() {}

  public static FileInfo toInfo(FileRecord file) {
    return new FileInfo(
        new FileName(new String(file.getName().toByteArray(), StandardCharsets.UTF_8)),
        file.getSize(),
        Sha256.hex(file.getSha256().toByteArray()),
        file.getChunkCount(),
        Instant.ofEpochMilli(file.getStoredAtMillis()));
  }
}
