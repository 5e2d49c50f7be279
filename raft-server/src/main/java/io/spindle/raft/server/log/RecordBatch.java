package io.spindle.raft.server.log;

import io.spindle.raft.Entry;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.zip.CRC32C;

/**
 * Records encoded for one write call, with where each starts and its term for the segment's index.
 * Reused across appends: a direct buffer, so the channel writes it without another copy.
 */
final class RecordBatch {
  private static final int INITIAL_CAPACITY = 4 << 20;

  /** A buffer grown past this for one huge record is dropped afterwards rather than kept. */
  private static final int MAX_RETAINED_CAPACITY = 64 << 20;

  private final CRC32C crc = new CRC32C();
  private ByteBuffer buffer = ByteBuffer.allocateDirect(INITIAL_CAPACITY);
  private int[] offsets = new int[256];
  private long[] terms = new long[256];
  private int count;

  boolean isEmpty() {
    return count == 0;
  }

  int count() {
    return count;
  }

  /** Bytes encoded so far. */
  int size() {
    return buffer.position();
  }

  boolean hasRoomFor(int recordLength) {
    return buffer.remaining() >= recordLength;
  }

  /** Grows an empty batch so that one record of {@code recordLength} bytes fits. */
  void makeRoomFor(int recordLength) {
    if (!isEmpty()) {
      throw new IllegalStateException("write the batch out before growing it");
    }
    if (buffer.capacity() < recordLength) {
      buffer = ByteBuffer.allocateDirect(recordLength);
    }
  }

  void add(Entry entry) {
    if (count == offsets.length) {
      offsets = Arrays.copyOf(offsets, count * 2);
      terms = Arrays.copyOf(terms, count * 2);
    }
    offsets[count] = buffer.position();
    terms[count] = entry.term();
    count++;
    LogRecordFormat.encode(entry, buffer, crc);
  }

  /** Where record {@code k} of the batch starts, relative to the batch. */
  int offset(int k) {
    return offsets[k];
  }

  long term(int k) {
    return terms[k];
  }

  /** The encoded bytes, ready to write. */
  ByteBuffer bytes() {
    return buffer.duplicate().flip();
  }

  void clear() {
    if (buffer.capacity() > MAX_RETAINED_CAPACITY) {
      buffer = ByteBuffer.allocateDirect(INITIAL_CAPACITY);
    }
    buffer.clear();
    count = 0;
  }
}
