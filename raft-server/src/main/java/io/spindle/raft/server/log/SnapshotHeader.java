package io.spindle.raft.server.log;

import io.spindle.raft.Configuration;
import io.spindle.raft.ConfigurationCodec;
import io.spindle.raft.SnapshotMeta;
import io.spindle.raft.StorageException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.zip.CRC32C;

/**
 * The metadata at the start of a snapshot file, big-endian:
 *
 * <pre>
 *   int  magic "SPSN", int version 1, int header length (where the data starts)
 *   long index, long term        the last entry the snapshot covers
 *   long data size, int data crc32c
 *   int  configuration length, byte configuration[] ({@link ConfigurationCodec})
 *   int  crc32c of the header before it
 * </pre>
 *
 * Data size and checksum are known only once the data is written, so a header is written first with
 * zeros there and rewritten at the end; the file is renamed into place only after that.
 *
 * @param meta the snapshot described; its size is the data size
 * @param dataCrc the CRC32C of the data
 */
record SnapshotHeader(SnapshotMeta meta, int dataCrc) {
  private static final int MAGIC = 0x5350_534E;
  private static final int VERSION = 1;
  private static final int FIXED_BYTES = 4 + 4 + 4 + 8 + 8 + 8 + 4 + 4 + 4;
  private static final int MAX_CONFIGURATION_BYTES = 16 << 20;

  /** Bytes from the start of the file to the data. */
  int length() {
    return FIXED_BYTES + ConfigurationCodec.encode(meta.configuration()).length;
  }

  ByteBuffer encode() {
    byte[] configuration = ConfigurationCodec.encode(meta.configuration());
    ByteBuffer out = ByteBuffer.allocate(FIXED_BYTES + configuration.length);
    out.putInt(MAGIC).putInt(VERSION).putInt(out.capacity());
    out.putLong(meta.index()).putLong(meta.term()).putLong(meta.size()).putInt(dataCrc);
    out.putInt(configuration.length).put(configuration);
    out.putInt(checksum(out, out.position()));
    return out.flip();
  }

  /**
   * Reads and checks the header of the snapshot file open on {@code channel}, and that the file
   * holds exactly the data it announces.
   *
   * @throws StorageException naming the file if the header is damaged or disagrees with the file
   */
  static SnapshotHeader read(Path file, FileChannel channel) throws IOException {
    long fileSize = channel.size();
    if (fileSize < FIXED_BYTES) {
      throw corrupt(file, "it is only " + fileSize + " bytes long");
    }
    ByteBuffer start = ByteBuffer.allocate(12);
    DurableFiles.readFully(channel, start, 0);
    if (start.getInt(0) != MAGIC || start.getInt(4) != VERSION) {
      throw corrupt(file, "it does not start like a version " + VERSION + " snapshot");
    }
    int length = start.getInt(8);
    if (length < FIXED_BYTES
        || length > FIXED_BYTES + MAX_CONFIGURATION_BYTES
        || length > fileSize) {
      throw corrupt(file, "its header length " + length + " is impossible");
    }
    ByteBuffer in = ByteBuffer.allocate(length);
    DurableFiles.readFully(channel, in, 0);
    if (checksum(in, length - 4) != in.getInt(length - 4)) {
      throw corrupt(file, "its header checksum does not match");
    }
    if (in.getInt(40) != length - FIXED_BYTES) {
      throw corrupt(file, "its configuration length disagrees with its header length");
    }
    byte[] configuration = new byte[length - FIXED_BYTES];
    in.get(44, configuration);
    long dataSize = in.getLong(28);
    if (length + dataSize != fileSize) {
      throw corrupt(
          file,
          "its header says "
              + dataSize
              + " bytes of data but the file holds "
              + (fileSize - length));
    }
    SnapshotMeta meta =
        new SnapshotMeta(in.getLong(12), in.getLong(20), decode(file, configuration), dataSize);
    return new SnapshotHeader(meta, in.getInt(36));
  }

  private static Configuration decode(Path file, byte[] configuration) {
    try {
      return ConfigurationCodec.decode(configuration);
    } catch (IllegalArgumentException e) {
      throw corrupt(file, "its configuration cannot be decoded (" + e.getMessage() + ")");
    }
  }

  private static int checksum(ByteBuffer buffer, int length) {
    CRC32C crc = new CRC32C();
    crc.update(buffer.slice(0, length));
    return (int) crc.getValue();
  }

  static StorageException corrupt(Path file, String why) {
    return new StorageException(
        "snapshot file "
            + file
            + " is corrupt: "
            + why
            + ". It was complete and fsync'd before it was renamed into place, so the disk"
            + " damaged it afterwards. Check the disk, then restore this node's data directory from"
            + " a backup, or remove the node from the cluster and add it back with an empty one so"
            + " that a leader sends it a fresh snapshot.");
  }
}
