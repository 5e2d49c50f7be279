package io.spindle.raft.server.log;

import static io.spindle.raft.server.log.LogRecordFormat.FIXED_BODY_BYTES;
import static io.spindle.raft.server.log.LogRecordFormat.HEADER_BYTES;
import static io.spindle.raft.server.log.LogRecordFormat.MIN_RECORD_BYTES;

import io.spindle.raft.StorageException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.CRC32C;

/**
 * Reads a segment file record by record when the log opens, to rebuild its index and to find where
 * its valid records stop.
 *
 * <p>A record that does not check out (cut short, impossible length, wrong checksum) is reported as
 * {@link Damage}, with the first valid record that follows it, if any: that is what tells a torn
 * tail (nothing valid after it, as a crash leaves) from a corrupt middle (valid records after it,
 * as a failing disk leaves). A record whose checksum holds but whose index or type is wrong cannot
 * come from a crash at all, so the scan fails at once.
 */
final class SegmentScanner {
  private static final int WINDOW_BYTES = 1 << 20;

  /**
   * The first record of a segment that does not check out.
   *
   * @param offset where it starts
   * @param reason what is wrong with it, for the operator
   * @param nextValidOffset where the first valid record after it starts, or -1 if none does
   * @param nextValidIndex the index that record holds, or -1
   */
  record Damage(long offset, String reason, long nextValidOffset, long nextValidIndex) {
    boolean validRecordFollows() {
      return nextValidOffset >= 0;
    }
  }

  /**
   * What a scan found: {@code count} valid records from {@code firstIndex}, where each starts and
   * its term, in the first {@code validBytes} of a file of {@code fileSize} bytes; {@code damage}
   * is {@code null} when the whole file is valid.
   */
  record Scan(
      Path file,
      FileChannel channel,
      long firstIndex,
      long[] positions,
      long[] terms,
      int count,
      long validBytes,
      long fileSize,
      Damage damage) {}

  private final Path file;
  private final FileChannel channel;
  private final long firstIndex;
  private final long fileSize;
  private final CRC32C crc = new CRC32C();
  private final ByteBuffer window = ByteBuffer.allocate(WINDOW_BYTES);
  private long windowStart;
  private int windowLength;
  private long[] positions = new long[1024];
  private long[] terms = new long[1024];
  private int count;

  private SegmentScanner(Path file, FileChannel channel, long firstIndex, long fileSize) {
    this.file = file;
    this.channel = channel;
    this.firstIndex = firstIndex;
    this.fileSize = fileSize;
  }

  /**
   * Scans the segment file open on {@code channel}, whose name says it starts at {@code
   * firstIndex}.
   */
  static Scan scan(Path file, FileChannel channel, long firstIndex) throws IOException {
    return new SegmentScanner(file, channel, firstIndex, channel.size()).scan();
  }

  private Scan scan() throws IOException {
    long position = 0;
    while (position < fileSize) {
      String damage = damageAt(position);
      if (damage != null) {
        return result(position, describe(position, damage));
      }
      int at = window(position, MIN_RECORD_BYTES);
      int bodyLength = window.getInt(at + 4);
      long index = window.getLong(at + 8);
      long term = window.getLong(at + 16);
      byte typeCode = window.get(at + 24);
      checkBelongsHere(position, index, typeCode);
      add(position, term);
      position += HEADER_BYTES + bodyLength;
    }
    return result(position, null);
  }

  /** Why the record at {@code position} cannot be read, or {@code null} if it checks out. */
  private String damageAt(long position) throws IOException {
    long remaining = fileSize - position;
    if (remaining < HEADER_BYTES) {
      return "the file ends " + remaining + " bytes into a record header";
    }
    int at = window(position, HEADER_BYTES);
    int storedChecksum = window.getInt(at);
    int bodyLength = window.getInt(at + 4);
    if (bodyLength == 0 && storedChecksum == 0) {
      return "zero bytes where a record should start (space the file system allocated but no"
          + " record was written to)";
    }
    if (bodyLength < FIXED_BODY_BYTES) {
      return "the record length " + bodyLength + " is impossible";
    }
    long available = remaining - HEADER_BYTES;
    if (bodyLength > available) {
      return "the record needs "
          + bodyLength
          + " bytes after its header but the file ends after "
          + available;
    }
    if (checksumOf(position + 4, 4L + bodyLength) != storedChecksum) {
      return "the record's checksum does not match its contents";
    }
    return null;
  }

  /** A checksum holds, so anything wrong now was written that way: no crash explains it. */
  private void checkBelongsHere(long position, long index, byte typeCode) {
    long expected = firstIndex + count;
    if (index == expected && LogRecordFormat.typeOf(typeCode) != null) {
      return;
    }
    String what =
        index != expected
            ? "index " + index + " where index " + expected + " belongs"
            : "entry type code " + typeCode + ", which no version of Spindle writes";
    throw new StorageException(
        "log segment "
            + file
            + " holds "
            + what
            + " at offset "
            + position
            + ". Its checksum is valid, so this is not damage from a crash: the file was written"
            + " wrongly or copied in from elsewhere. Restore this node's data directory from a"
            + " backup, or remove the node from the cluster and add it back with an empty one.");
  }

  private Damage describe(long position, String reason) throws IOException {
    long lastGoodIndex = firstIndex + count - 1;
    // Each record takes at least MIN_RECORD_BYTES, which bounds the index a valid one could hold.
    long highestPossibleIndex = lastGoodIndex + (fileSize - position) / MIN_RECORD_BYTES;
    for (long at = position + 1; at <= fileSize - MIN_RECORD_BYTES; at++) {
      long index = indexOfValidRecordAt(at, lastGoodIndex, highestPossibleIndex);
      if (index >= 0) {
        return new Damage(position, reason, at, index);
      }
    }
    return new Damage(position, reason, -1, -1);
  }

  /**
   * The index held by a valid record starting at {@code position}, or -1. The cheap field checks
   * come first, so that searching megabytes of garbage computes almost no checksums.
   */
  private long indexOfValidRecordAt(long position, long lastGoodIndex, long highestPossibleIndex)
      throws IOException {
    int at = window(position, MIN_RECORD_BYTES);
    int bodyLength = window.getInt(at + 4);
    if (bodyLength < FIXED_BODY_BYTES || bodyLength > fileSize - position - HEADER_BYTES) {
      return -1;
    }
    long index = window.getLong(at + 8);
    if (index <= lastGoodIndex || index > highestPossibleIndex) {
      return -1;
    }
    if (LogRecordFormat.typeOf(window.get(at + 24)) == null) {
      return -1;
    }
    int storedChecksum = window.getInt(at);
    return checksumOf(position + 4, 4L + bodyLength) == storedChecksum ? index : -1;
  }

  private int checksumOf(long from, long length) throws IOException {
    crc.reset();
    long position = from;
    long remaining = length;
    while (remaining > 0) {
      int chunk = (int) Math.min(remaining, WINDOW_BYTES);
      int at = window(position, chunk);
      crc.update(window.slice(at, chunk));
      position += chunk;
      remaining -= chunk;
    }
    return (int) crc.getValue();
  }

  /**
   * Makes the file's bytes {@code [position, position + length)} available in the window and
   * returns where they start in it. Reading through a window keeps a scan at one read call per
   * megabyte rather than per record.
   */
  private int window(long position, int length) throws IOException {
    if (position < windowStart || position + length > windowStart + windowLength) {
      window.clear();
      window.limit((int) Math.min(WINDOW_BYTES, fileSize - position));
      DurableFiles.readFully(channel, window, position);
      windowStart = position;
      windowLength = window.limit();
    }
    return (int) (position - windowStart);
  }

  private void add(long position, long term) {
    if (count == positions.length) {
      positions = Arrays.copyOf(positions, count * 2);
      terms = Arrays.copyOf(terms, count * 2);
    }
    positions[count] = position;
    terms[count] = term;
    count++;
  }

  private Scan result(long validBytes, Damage damage) {
    return new Scan(
        file, channel, firstIndex, positions, terms, count, validBytes, fileSize, damage);
  }
}
