package io.spindle.raft.server.log;

import io.spindle.raft.Entry;
import io.spindle.raft.EntryType;
import io.spindle.raft.StorageException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.zip.CRC32C;

/**
 * How one log entry is laid out in a segment file, big-endian:
 *
 * <pre>
 *   int  crc32c      of everything after it: the length and the body
 *   int  length      of the body, 17 + data length
 *   ---- body ----
 *   long index
 *   long term
 *   byte type        1 COMMAND, 2 NOOP, 3 CONFIG; 0 never occurs, so zero-filled space is invalid
 *   byte data[length - 17]
 * </pre>
 *
 * The checksum covers the length so that a damaged length is caught as surely as damaged data. Type
 * codes are explicit rather than enum ordinals so that reordering {@link EntryType} cannot change
 * what old files mean.
 */
final class LogRecordFormat {
  /** The checksum and the length. */
  static final int HEADER_BYTES = 8;

  /** Index, term and type. */
  static final int FIXED_BODY_BYTES = 17;

  static final int MIN_RECORD_BYTES = HEADER_BYTES + FIXED_BODY_BYTES;

  /** The most data one record can hold while its length still fits the {@code int} field. */
  static final int MAX_DATA_BYTES = Integer.MAX_VALUE - 64 - MIN_RECORD_BYTES;

  private LogRecordFormat() {}

  static int recordLength(Entry entry) {
    return MIN_RECORD_BYTES + entry.data().length;
  }

  static int dataLength(long recordLength) {
    return (int) (recordLength - MIN_RECORD_BYTES);
  }

  /** Writes {@code entry} at the buffer's position and advances it past the record. */
  static void encode(Entry entry, ByteBuffer out, CRC32C crc) {
    int start = out.position();
    byte[] data = entry.data();
    out.putInt(0);
    out.putInt(FIXED_BODY_BYTES + data.length);
    out.putLong(entry.index());
    out.putLong(entry.term());
    out.put(typeCode(entry.type()));
    out.put(data);
    int checksum = checksum(out, start + 4, out.position() - start - 4, crc);
    out.putInt(start, checksum);
  }

  /**
   * Reads the record at {@code at} in {@code in}, which the in-memory index says holds entry {@code
   * expectedIndex} in {@code length} bytes. Data that no longer matches what was written means the
   * disk changed it after the fact.
   *
   * @throws StorageException naming the file and offset when the record does not check out
   */
  static Entry decode(
      ByteBuffer in,
      int at,
      int length,
      long expectedIndex,
      CRC32C crc,
      Path file,
      long filePosition) {
    int bodyLength = in.getInt(at + 4);
    if (bodyLength != length - HEADER_BYTES) {
      throw changedOnDisk(file, filePosition, "its length field says " + bodyLength);
    }
    if (checksum(in, at + 4, length - 4, crc) != in.getInt(at)) {
      throw changedOnDisk(file, filePosition, "its checksum does not match");
    }
    long index = in.getLong(at + 8);
    if (index != expectedIndex) {
      throw changedOnDisk(file, filePosition, "it holds index " + index);
    }
    long term = in.getLong(at + 16);
    EntryType type = typeOf(in.get(at + 24));
    if (type == null) {
      throw changedOnDisk(file, filePosition, "its entry type code is " + in.get(at + 24));
    }
    byte[] data = new byte[length - MIN_RECORD_BYTES];
    in.get(at + MIN_RECORD_BYTES, data);
    return new Entry(index, term, type, data);
  }

  /** The CRC32C of {@code length} bytes of {@code buffer} from {@code from}. */
  static int checksum(ByteBuffer buffer, int from, int length, CRC32C crc) {
    crc.reset();
    crc.update(buffer.slice(from, length));
    return (int) crc.getValue();
  }

  static byte typeCode(EntryType type) {
    return switch (type) {
      case COMMAND -> 1;
      case NOOP -> 2;
      case CONFIG -> 3;
    };
  }

  /** The entry type a code stands for, or {@code null} for a code no version ever wrote. */
  static EntryType typeOf(byte code) {
    return switch (code) {
      case 1 -> EntryType.COMMAND;
      case 2 -> EntryType.NOOP;
      case 3 -> EntryType.CONFIG;
      default -> null;
    };
  }

  private static StorageException changedOnDisk(Path file, long position, String what) {
    return new StorageException(
        "log segment "
            + file
            + " is corrupt at offset "
            + position
            + ": the record the index expects there no longer checks out ("
            + what
            + "). The disk changed data after it was written; stop this node, check the disk,"
            + " and restore its data directory from a backup or remove it from the cluster and"
            + " add it back with an empty data directory.");
  }
}
