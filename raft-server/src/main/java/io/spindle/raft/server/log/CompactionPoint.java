package io.spindle.raft.server.log;

import static java.nio.file.StandardOpenOption.READ;

import io.spindle.raft.StorageException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.CRC32C;

/**
 * Where the log starts: the index and term of the last entry a snapshot covers. It lives in its own
 * small file, replaced atomically, because the log is only meaningful relative to it: segments
 * wholly at or below it are garbage whatever else survived a crash.
 *
 * <p>File layout: int crc32c of the rest, int magic {@code "SPCP"}, long index, long term.
 */
record CompactionPoint(long index, long term) {
  static final CompactionPoint NONE = new CompactionPoint(0, 0);
  static final String FILE_NAME = "compaction-point";

  private static final int MAGIC = 0x5350_4350;
  private static final int BYTES = 4 + 4 + 8 + 8;

  CompactionPoint {
    if (index < 0 || term < 0) {
      throw new IllegalArgumentException("bad compaction point " + index + "@" + term);
    }
  }

  /** The point stored in {@code dir}, or {@link #NONE} for a log never compacted. */
  static CompactionPoint load(Path dir) {
    Path file = dir.resolve(FILE_NAME);
    if (!Files.exists(file)) {
      return NONE;
    }
    ByteBuffer bytes = ByteBuffer.allocate(BYTES);
    try (FileChannel channel = FileChannel.open(file, READ)) {
      if (channel.size() != BYTES) {
        throw corrupt(file, "it is " + channel.size() + " bytes long instead of " + BYTES);
      }
      DurableFiles.readFully(channel, bytes, 0);
    } catch (IOException e) {
      throw DurableFiles.failure("cannot read " + file, e);
    }
    if (checksum(bytes) != bytes.getInt(0) || bytes.getInt(4) != MAGIC) {
      throw corrupt(file, "its checksum does not match");
    }
    return new CompactionPoint(bytes.getLong(8), bytes.getLong(16));
  }

  /** Replaces the point stored in {@code dir} by this one, durably. */
  void store(Path dir) {
    ByteBuffer bytes = ByteBuffer.allocate(BYTES);
    bytes.putInt(0).putInt(MAGIC).putLong(index).putLong(term);
    bytes.putInt(0, checksum(bytes));
    bytes.flip();
    DurableFiles.replaceAtomically(dir.resolve(FILE_NAME), bytes);
  }

  private static int checksum(ByteBuffer bytes) {
    CRC32C crc = new CRC32C();
    crc.update(bytes.slice(4, BYTES - 4));
    return (int) crc.getValue();
  }

  private static StorageException corrupt(Path file, String why) {
    // It is only ever replaced by an atomic rename, so a crash cannot explain a damaged one.
    return new StorageException(
        "the log's compaction point "
            + file
            + " is corrupt: "
            + why
            + ". Without it the log cannot be trusted; restore this node's data directory from a"
            + " backup, or remove the node from the cluster and add it back with an empty one.");
  }
}
