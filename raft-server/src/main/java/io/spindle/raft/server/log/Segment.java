package io.spindle.raft.server.log;

import static java.nio.file.StandardOpenOption.CREATE_NEW;
import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.WRITE;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One segment file, {@code log-<first index, 20 digits>.seg}: consecutive records from its first
 * index on, and the in-memory index of where each record starts and its term, so that {@code term}
 * is an array lookup and reads are positional. The records may begin below the compaction point;
 * the store never hands those out.
 */
final class Segment implements AutoCloseable {
  private static final Pattern NAME = Pattern.compile("log-(\\d{20})\\.seg");

  private final Path file;
  private final FileChannel channel;
  private final long firstIndex;
  private long[] positions;
  private long[] terms;
  private int count;
  private long size;

  private Segment(
      Path file, FileChannel channel, long firstIndex, long[] positions, long[] terms, int count) {
    this.file = file;
    this.channel = channel;
    this.firstIndex = firstIndex;
    this.positions = positions;
    this.terms = terms;
    this.count = count;
  }

  /** Creates the empty segment file whose first entry will be {@code firstIndex}. */
  static Segment create(Path dir, long firstIndex) {
    Path file = dir.resolve(fileName(firstIndex));
    try {
      FileChannel channel = FileChannel.open(file, CREATE_NEW, READ, WRITE);
      return new Segment(file, channel, firstIndex, new long[1024], new long[1024], 0);
    } catch (IOException e) {
      throw DurableFiles.failure("cannot create log segment " + file, e);
    }
  }

  /** A segment over a file already scanned, holding its first {@code size} bytes. */
  static Segment recovered(SegmentScanner.Scan scan) {
    Segment segment =
        new Segment(
            scan.file(),
            scan.channel(),
            scan.firstIndex(),
            scan.positions(),
            scan.terms(),
            scan.count());
    segment.size = scan.validBytes();
    return segment;
  }

  static String fileName(long firstIndex) {
    return String.format("log-%020d.seg", firstIndex);
  }

  /** The first index a segment file holds, from its name, or -1 if it is not a segment file. */
  static long firstIndexOf(Path file) {
    Matcher matcher = NAME.matcher(file.getFileName().toString());
    return matcher.matches() ? Long.parseLong(matcher.group(1)) : -1;
  }

  Path file() {
    return file;
  }

  long firstIndex() {
    return firstIndex;
  }

  /** The last index held, {@code firstIndex - 1} while empty. */
  long lastIndex() {
    return firstIndex + count - 1;
  }

  boolean isEmpty() {
    return count == 0;
  }

  /** Bytes of complete records, which is where the next record goes. */
  long size() {
    return size;
  }

  long term(long index) {
    return terms[slot(index)];
  }

  long position(long index) {
    return positions[slot(index)];
  }

  /** Where the record of {@code index} ends: the next one's start, or the end of the file. */
  long end(long index) {
    return index == lastIndex() ? size : positions[slot(index) + 1];
  }

  long recordLength(long index) {
    return end(index) - position(index);
  }

  /** Writes a batch after the last record and indexes its records; no fsync. */
  void append(RecordBatch batch) throws IOException {
    long start = size;
    ByteBuffer bytes = batch.bytes();
    int length = bytes.remaining();
    DurableFiles.writeFully(channel, bytes, start);
    for (int k = 0; k < batch.count(); k++) {
      addToIndex(start + batch.offset(k), batch.term(k));
    }
    size = start + length;
  }

  /** Fills {@code into} with the bytes from {@code position}. */
  void read(ByteBuffer into, long position) throws IOException {
    DurableFiles.readFully(channel, into, position);
  }

  /**
   * Removes the records from {@code index} on, durably: a crash after this must not bring back old
   * records that later writes only partly overwrote, or they would read as valid records after a
   * torn one.
   */
  void truncateFrom(long index) throws IOException {
    long newSize = position(index);
    channel.truncate(newSize);
    channel.force(true);
    count = slot(index);
    size = newSize;
  }

  /** Makes the records written so far durable. */
  void force() throws IOException {
    channel.force(false);
  }

  @Override
  public void close() throws IOException {
    channel.close();
  }

  /**
   * Closes and deletes the file; the caller forces the directory if the deletion must be durable.
   */
  void delete() {
    try {
      channel.close();
    } catch (IOException e) {
      throw DurableFiles.failure("cannot close log segment " + file, e);
    }
    DurableFiles.deleteIfExists(file);
  }

  private void addToIndex(long position, long term) {
    if (count == positions.length) {
      int grown = Math.max(1024, count * 2);
      positions = Arrays.copyOf(positions, grown);
      terms = Arrays.copyOf(terms, grown);
    }
    positions[count] = position;
    terms[count] = term;
    count++;
  }

  private int slot(long index) {
    if (index < firstIndex || index > lastIndex()) {
      throw new IllegalArgumentException(
          "index " + index + " is not in segment " + file.getFileName());
    }
    return (int) (index - firstIndex);
  }

  @Override
  public String toString() {
    return file.getFileName() + "[" + firstIndex + ".." + lastIndex() + ", " + size + "B]";
  }
}
