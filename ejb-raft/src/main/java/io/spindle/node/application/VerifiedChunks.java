package io.spindle.node.application;

import java.io.IOException;

/**
 * Content that arrives already cut into chunks, each checked against its SHA-256 on arrival (a
 * queue job's upload). {@link RaftFileService#put} takes such chunks as they are, when they have
 * its chunk size, instead of hashing and copying every byte again.
 */
public interface VerifiedChunks {
  /** Bytes in every chunk but the last, which may be shorter. */
  int chunkSize();

  /** The next chunk, already checked against its SHA-256; null after the last one. */
  Chunk nextChunk() throws IOException;

  /**
   * One chunk and its SHA-256. The arrays are handed over: neither side changes them afterwards.
   */
  record Chunk(byte[] data, byte[] sha256) {}
}
