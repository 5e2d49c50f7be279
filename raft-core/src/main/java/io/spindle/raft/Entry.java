package io.spindle.raft;

import java.util.Objects;

/**
 * One log entry. {@code data} is the command for {@link EntryType#COMMAND}, empty for {@link
 * EntryType#NOOP} and the encoded configuration ({@link ConfigurationCodec}) for {@link
 * EntryType#CONFIG}. Entries are immutable by convention: nobody writes into {@code data}.
 */
public record Entry(long index, long term, EntryType type, byte[] data) {
  private static final byte[] EMPTY = new byte[0];

  public Entry {
    Objects.requireNonNull(type, "type");
    data = data == null ? EMPTY : data;
    if (index <= 0 || term <= 0) {
      throw new IllegalArgumentException("entry index and term start at 1: " + index + "/" + term);
    }
  }

  public static Entry command(long index, long term, byte[] data) {
    return new Entry(index, term, EntryType.COMMAND, data);
  }

  public static Entry noop(long index, long term) {
    return new Entry(index, term, EntryType.NOOP, EMPTY);
  }

  public static Entry config(long index, long term, Configuration configuration) {
    return new Entry(index, term, EntryType.CONFIG, ConfigurationCodec.encode(configuration));
  }

  /** The configuration this entry carries; only for {@link EntryType#CONFIG}. */
  public Configuration configuration() {
    if (type != EntryType.CONFIG) {
      throw new IllegalStateException("entry " + index + " is " + type + ", not CONFIG");
    }
    return ConfigurationCodec.decode(data);
  }

  /** Approximate size on the wire and in memory, for batching and in-flight limits. */
  public long sizeInBytes() {
    return data.length + 24L;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Entry e
        && e.index == index
        && e.term == term
        && e.type == type
        && java.util.Arrays.equals(e.data, data);
  }

  @Override
  public int hashCode() {
    return Long.hashCode(index) * 31 + Long.hashCode(term);
  }

  @Override
  public String toString() {
    return "Entry[" + index + "@" + term + " " + type + " " + data.length + "B]";
  }
}
