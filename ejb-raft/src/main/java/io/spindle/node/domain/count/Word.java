package io.spindle.node.domain.count;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;

/**
 * A word as a {@link WordTally} keeps it: its case-folded bytes. A word of at most {@value
 * #MAX_KEPT_BYTES} bytes is kept whole. A longer one (a base64 line, a minified script) is kept as
 * its first {@value #MAX_KEPT_BYTES} bytes, its length and a 61-bit polynomial hash of all its
 * bytes, so that a tally's memory stays bounded by its number of distinct words while long words
 * are still told apart (two different long words with the same first KiB and the same length
 * collide with a probability of about 2^-61 per pair).
 *
 * <p>Words order by their (kept) bytes, unsigned, which for UTF-8 is code point order; then by
 * length and hash. Immutable.
 */
public final class Word implements Comparable<Word> {
  public static final int MAX_KEPT_BYTES = 1024;

  static final Word EMPTY = new Word(new byte[0], 0, 0);

  private final byte[] kept;
  private final long length;
  private final long hash; // 0 for a word kept whole
  private final int hashCode;

  Word(byte[] kept, long length, long hash) {
    this.kept = kept;
    this.length = length;
    this.hash = hash;
    this.hashCode = 31 * Arrays.hashCode(kept) + Long.hashCode(length ^ hash);
  }

  /** The word of these (already folded) bytes. */
  public static Word of(byte[] bytes) {
    if (bytes.length <= MAX_KEPT_BYTES) {
      return new Word(bytes.clone(), bytes.length, 0);
    }
    return new Word(
        Arrays.copyOf(bytes, MAX_KEPT_BYTES), bytes.length, PolyHash.of(bytes, 0, bytes.length));
  }

  /** Rebuilds a word from its parts ({@link #keptBytes}, {@link #length}, {@link #hash}). */
  public static Word restore(byte[] kept, long length, long hash) {
    boolean whole = kept.length == length && length <= MAX_KEPT_BYTES && hash == 0;
    boolean cut = kept.length == MAX_KEPT_BYTES && length > MAX_KEPT_BYTES;
    if (!whole && !cut) {
      throw new IllegalArgumentException(
          "a word keeps all its bytes (up to " + MAX_KEPT_BYTES + ") or exactly its first ones");
    }
    return new Word(kept.clone(), length, hash);
  }

  /** The two words as one (a word cut by a range boundary). */
  static Word concat(Word a, Word b) {
    if (b.length == 0) {
      return a;
    }
    if (a.length == 0) {
      return b;
    }
    long length = a.length + b.length;
    byte[] kept;
    if (a.isWhole()) {
      int fromB = (int) Math.min(b.kept.length, MAX_KEPT_BYTES - a.length);
      kept = Arrays.copyOf(a.kept, a.kept.length + fromB);
      System.arraycopy(b.kept, 0, kept, a.kept.length, fromB);
    } else {
      kept = a.kept;
    }
    long hash =
        length <= MAX_KEPT_BYTES ? 0 : PolyHash.concat(a.polyHash(), b.polyHash(), b.length);
    return new Word(kept, length, hash);
  }

  private long polyHash() {
    return isWhole() ? PolyHash.of(kept, 0, kept.length) : hash;
  }

  /** The word's bytes if it is whole, else its first {@value #MAX_KEPT_BYTES} bytes; a copy. */
  public byte[] keptBytes() {
    return kept.clone();
  }

  /** The word's length in bytes. */
  public long length() {
    return length;
  }

  /** The hash of a long word's bytes; 0 for a word kept whole. */
  public long hash() {
    return hash;
  }

  public boolean isWhole() {
    return length == kept.length;
  }

  /**
   * The word for people: its bytes as UTF-8 (an invalid byte shows as U+FFFD), with "…" after a
   * long word's first bytes.
   */
  public String text() {
    String text = new String(kept, StandardCharsets.UTF_8);
    return isWhole() ? text : text + "\u2026";
  }

  @Override
  public int compareTo(Word other) {
    int c = Arrays.compareUnsigned(kept, other.kept);
    if (c != 0) {
      return c;
    }
    c = Long.compare(length, other.length);
    return c != 0 ? c : Long.compare(hash, other.hash);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Word w
        && hashCode == w.hashCode
        && length == w.length
        && hash == w.hash
        && Arrays.equals(kept, w.kept);
  }

  @Override
  public int hashCode() {
    return hashCode;
  }

  @Override
  public String toString() {
    return Objects.toString(text());
  }
}
