package io.spindle.queue.spool;

import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;

/**
 * What a client announced for a chunked write: under request id {@code requestId}, store {@code
 * size} bytes as {@code name}, in {@code chunkCount} chunks of {@code chunkSize} bytes (the last
 * one shorter), whose concatenation hashes to {@code sha256}.
 */
public record UploadSpec(
    String requestId, String name, long size, int chunkSize, int chunkCount, byte[] sha256) {
  /**
   * The smallest chunk of an upload of more than one chunk: every chunk is a file in the spool, so
   * tiny chunks would make one upload hundreds of thousands of files.
   */
  public static final int MIN_CHUNK_SIZE = 64 * 1024;

  public UploadSpec {
    Objects.requireNonNull(requestId, "requestId");
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(sha256, "sha256");
    sha256 = sha256.clone();
  }

  /** Why these numbers do not describe a chunked upload, or null if they do. */
  public String problem(int maxChunkSize, long maxFileSize) {
    if (sha256.length != 32) {
      return "the file's SHA-256 must be 32 bytes, not " + sha256.length;
    }
    if (size <= 0) {
      return "a chunked write needs at least one byte (send an empty file inline)";
    }
    if (size > maxFileSize) {
      return "the file is " + size + " bytes; this queue server takes at most " + maxFileSize;
    }
    if (chunkSize <= 0 || chunkSize > maxChunkSize) {
      return "chunk_size must be between 1 and " + maxChunkSize + " bytes, not " + chunkSize;
    }
    if (chunkSize < MIN_CHUNK_SIZE && size > chunkSize) {
      return "chunks of "
          + chunkSize
          + " bytes are too small: an upload of more than one chunk needs chunks of at least "
          + MIN_CHUNK_SIZE
          + " bytes";
    }
    long expected = (size + chunkSize - 1) / chunkSize;
    if (chunkCount != expected) {
      return size
          + " bytes in chunks of "
          + chunkSize
          + " make "
          + expected
          + " chunks, not "
          + chunkCount;
    }
    return null;
  }

  /** The size chunk {@code index} must have. */
  public int chunkLength(int index) {
    if (index < chunkCount - 1) {
      return chunkSize;
    }
    return (int) (size - (long) chunkSize * (chunkCount - 1));
  }

  /** The same write under another request id. */
  public UploadSpec withRequestId(String id) {
    return new UploadSpec(id, name, size, chunkSize, chunkCount, sha256);
  }

  /** Whether {@code other} announces the same write (a retry), not another one. */
  public boolean sameWrite(UploadSpec other) {
    return requestId.equals(other.requestId)
        && name.equals(other.name)
        && size == other.size
        && chunkSize == other.chunkSize
        && chunkCount == other.chunkCount
        && Arrays.equals(sha256, other.sha256);
  }

  @Override
  public byte[] sha256() {
    return sha256.clone();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof UploadSpec u && sameWrite(u);
  }

  @Override
  public int hashCode() {
    return Objects.hash(requestId, name, size, chunkSize, chunkCount, Arrays.hashCode(sha256));
  }

  @Override
  public String toString() {
    return "UploadSpec[request "
        + requestId
        + ", "
        + name
        + ", "
        + size
        + " bytes in "
        + chunkCount
        + " x "
        + chunkSize
        + ", sha256 "
        + HexFormat.of().formatHex(sha256)
        + "]";
  }
}
