package io.spindle.cli;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * Pseudo-random bytes of a given size, computed from their position: any range can be read again
 * and comes out the same, so a large file can be hashed and then uploaded without being held in
 * memory or on disk. Each 8-byte word is SplitMix64's output for (seed, word index). Not for
 * secrets. Stateless, so thread-safe.
 */
final class RandomContent implements Uploader.Content {
  private static final VarHandle LONGS =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

  private final long seed;
  private final long size;

  RandomContent(long seed, long size) {
    if (size < 0) {
      throw new IllegalArgumentException("negative size " + size);
    }
    this.seed = seed;
    this.size = size;
  }

  @Override
  public long size() {
    return size;
  }

  @Override
  public void read(long position, byte[] into, int length) {
    if (position < 0 || length < 0 || position + length > size || length > into.length) {
      throw new IndexOutOfBoundsException(
          "bytes " + position + "+" + length + " of " + size + " into " + into.length);
    }
    int i = 0;
    while (i < length) {
      long p = position + i;
      long word = word(p >>> 3);
      int within = (int) (p & 7);
      if (within == 0 && length - i >= 8) {
        LONGS.set(into, i, word);
        i += 8;
      } else {
        into[i] = (byte) (word >>> (8 * within));
        i++;
      }
    }
  }

  @Override
  public String describe() {
    return "random content (seed " + seed + ", " + size + " bytes)";
  }

  /** SplitMix64: the index-th output of the generator started at seed. */
  private long word(long index) {
    long z = seed + (index + 1) * 0x9E3779B97F4A7C15L;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
