package io.spindle.node.domain.count;

import static io.spindle.node.domain.count.WcScanner.INCOMPLETE;
import static io.spindle.node.domain.count.WcScanner.MAX_SEQUENCE;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Tallies the words of one byte range ({@link WordTally}), cutting the bytes into characters and
 * classifying them exactly as {@link WcScanner} does, with the same contract: {@link #context}
 * before the range (UTF-8: a character that starts there is the previous range's), {@link #feed}
 * the range in pieces of any size, {@link #finish} with the bytes after it (they complete a
 * character that starts in the range, which then belongs wholly to this range's runs).
 *
 * <p>Not thread-safe: one scanner per range.
 */
public final class WordTallyScanner {
  private final WcLocale locale;
  private final int maxDistinct;
  private final long maxWeight;
  private final Map<Word, long[]> counts = new HashMap<>();
  private long weight;
  private boolean complete = true;
  private boolean started;

  /** The run of non-separator characters being read, folded. */
  private final RunBuilder run = new RunBuilder();

  private WordTally.Edge head; // the run before the first separator, once there is one

  /** As in {@link WcScanner}: the start of a character whose other bytes have not come yet. */
  private final byte[] carry = new byte[MAX_SEQUENCE - 1];

  private int carryLength;

  /** Where this range's own bytes start in {@link #carry}: 0 when the character started here. */
  private int carryOwnFrom;

  public WordTallyScanner(WcLocale locale) {
    this(locale, WordTally.DEFAULT_MAX_DISTINCT);
  }

  /** A scanner bounded by {@code maxDistinct} words and {@link WordTally#DEFAULT_MAX_WEIGHT}. */
  public WordTallyScanner(WcLocale locale, int maxDistinct) {
    this(locale, maxDistinct, WordTally.DEFAULT_MAX_WEIGHT);
  }

  /** A scanner whose tally holds at most {@code maxDistinct} words of {@code maxWeight} in all. */
  public WordTallyScanner(WcLocale locale, int maxDistinct, long maxWeight) {
    this.locale = Objects.requireNonNull(locale, "locale");
    if (maxDistinct < 1 || maxWeight < 1) {
      throw new IllegalArgumentException("maxDistinct and maxWeight must be positive");
    }
    this.maxDistinct = maxDistinct;
    this.maxWeight = maxWeight;
  }

  /** The bytes that precede the range in the file (UTF-8 only); as {@link WcScanner#context}. */
  public WordTallyScanner context(byte[] precedingBytes) {
    if (started) {
      throw new IllegalStateException("context comes before the first bytes of the range");
    }
    if (locale == WcLocale.UTF8) {
      int i = Math.max(0, precedingBytes.length - (MAX_SEQUENCE - 1));
      while (i < precedingBytes.length) {
        int n = WcScanner.sequenceLength(precedingBytes, i, precedingBytes.length);
        if (n == INCOMPLETE) {
          carryLength = precedingBytes.length - i;
          System.arraycopy(precedingBytes, i, carry, 0, carryLength);
          carryOwnFrom = carryLength;
          break;
        }
        i += n > 0 ? n : 1;
      }
    }
    return this;
  }

  /** Tallies the next bytes of the range. */
  public void feed(byte[] data, int offset, int length) {
    Objects.checkFromIndexSize(offset, length, data.length);
    started |= length > 0;
    int end = offset + length;
    if (locale == WcLocale.C) {
      for (int i = offset; i < end; i++) {
        int b = data[i] & 0xff;
        int cls = WcScanner.asciiClass(b);
        if ((cls & WcScanner.SEPARATOR) != 0) {
          endRun();
        } else {
          run.append((byte) lowerAscii(b), cls == WcScanner.WORD);
        }
      }
      return;
    }
    int from = offset;
    while (carryLength > 0 && from < end) {
      from = completeCarry(data, from, end, false);
    }
    scanUtf8(data, from, end);
  }

  /** Ends the range; {@code followingBytes} as in {@link WcScanner#finish}. */
  public WordTally finish(byte[] followingBytes) {
    if (locale == WcLocale.UTF8 && carryLength > 0) {
      completeCarry(followingBytes, 0, Math.min(MAX_SEQUENCE - 1, followingBytes.length), true);
    }
    WordTally.Edge last = run.edge();
    return head == null
        ? WordTally.of(counts, last, null, complete)
        : WordTally.of(counts, head, last, complete);
  }

  // ---------------------------------------------------------------- runs

  private void endRun() {
    if (head == null) {
      head = run.edge();
    } else if (run.hasWordCharacter && complete) {
      Word word = run.word();
      long[] c = counts.get(word);
      if (c != null) {
        c[0]++;
      } else if (counts.size() < maxDistinct && weight + WordTally.weight(word) <= maxWeight) {
        counts.put(word, new long[] {1});
        weight += WordTally.weight(word);
      } else {
        complete = false;
        counts.clear();
      }
    }
    run.clear();
  }

  private static int lowerAscii(int b) {
    return b >= 'A' && b <= 'Z' ? b | 0x20 : b;
  }

  // ---------------------------------------------------------------- UTF-8

  private void scanUtf8(byte[] data, int from, int end) {
    int i = from;
    while (i < end) {
      byte b = data[i];
      if (b >= 0) {
        character(data, i, 1);
        i++;
        continue;
      }
      int n = WcScanner.sequenceLength(data, i, end);
      if (n > 0) {
        character(data, i, n);
        i += n;
      } else if (n == INCOMPLETE) {
        carryLength = end - i;
        System.arraycopy(data, i, carry, 0, carryLength);
        carryOwnFrom = 0;
        return;
      } else {
        run.append(b, false); // an invalid byte: neutral, kept as it is
        i++;
      }
    }
  }

  /** The valid sequence of {@code n} bytes at {@code i}: one character of this range. */
  private void character(byte[] d, int i, int n) {
    if (n == 1) {
      int cls = WcScanner.asciiClass(d[i]);
      if ((cls & WcScanner.SEPARATOR) != 0) {
        endRun();
      } else {
        run.append((byte) lowerAscii(d[i]), cls == WcScanner.WORD);
      }
      return;
    }
    int codePoint = WcScanner.decode(d, i, n);
    int cls = WcScanner.classOf(codePoint);
    if ((cls & WcScanner.SEPARATOR) != 0) {
      endRun();
      return;
    }
    boolean word = cls == WcScanner.WORD;
    if (codePoint > Character.MAX_CODE_POINT) {
      for (int k = 0; k < n; k++) {
        run.append(d[i + k], word); // the old 5- and 6-byte forms: no case, kept as they are
      }
      return;
    }
    int lower = Character.toLowerCase(codePoint);
    if (lower < 0x80) {
      run.append((byte) lower, word);
    } else if (lower < 0x800) {
      run.append((byte) (0xc0 | lower >> 6), word);
      run.append((byte) (0x80 | lower & 0x3f), word);
    } else if (lower < 0x10000) {
      run.append((byte) (0xe0 | lower >> 12), word);
      run.append((byte) (0x80 | lower >> 6 & 0x3f), word);
      run.append((byte) (0x80 | lower & 0x3f), word);
    } else {
      run.append((byte) (0xf0 | lower >> 18), word);
      run.append((byte) (0x80 | lower >> 12 & 0x3f), word);
      run.append((byte) (0x80 | lower >> 6 & 0x3f), word);
      run.append((byte) (0x80 | lower & 0x3f), word);
    }
  }

  /** As {@link WcScanner}'s: completes the carried start of a character with what follows. */
  private int completeCarry(byte[] data, int from, int end, boolean atEnd) {
    int take = Math.min(MAX_SEQUENCE - carryLength, end - from);
    byte[] window = new byte[carryLength + take];
    System.arraycopy(carry, 0, window, 0, carryLength);
    System.arraycopy(data, from, window, carryLength, take);
    int n = WcScanner.sequenceLength(window, 0, window.length);
    if (n > 0) {
      if (carryOwnFrom == 0) {
        character(window, 0, n); // with the bytes after the range, when atEnd
      }
      int consumed = n - carryLength;
      carryLength = 0;
      return from + consumed;
    }
    if (n == INCOMPLETE && !atEnd) {
      System.arraycopy(data, from, carry, carryLength, take);
      carryLength += take;
      return from + take;
    }
    // Invalid or cut off by the end of the file: the carried bytes are neutral, each in the run of
    // the range it lies in; those of this range join this range's run.
    for (int k = carryOwnFrom; k < carryLength; k++) {
      run.append(carry[k], false);
    }
    carryLength = 0;
    return from;
  }

  /** The folded bytes of the current run: kept up to {@link Word#MAX_KEPT_BYTES}, then hashed. */
  private static final class RunBuilder {
    private byte[] kept = new byte[32];
    private long length;
    private long hash;
    boolean hasWordCharacter;

    void append(byte b, boolean wordCharacter) {
      hasWordCharacter |= wordCharacter;
      if (length < Word.MAX_KEPT_BYTES) {
        if (length == kept.length) {
          kept = Arrays.copyOf(kept, Math.min(Word.MAX_KEPT_BYTES, kept.length * 2));
        }
        kept[(int) length] = b;
      } else {
        if (length == Word.MAX_KEPT_BYTES) {
          hash = PolyHash.of(kept, 0, Word.MAX_KEPT_BYTES);
        }
        hash = PolyHash.step(hash, b);
      }
      length++;
    }

    Word word() {
      if (length == 0) {
        return Word.EMPTY;
      }
      int n = (int) Math.min(length, Word.MAX_KEPT_BYTES);
      return new Word(Arrays.copyOf(kept, n), length, length > Word.MAX_KEPT_BYTES ? hash : 0);
    }

    WordTally.Edge edge() {
      return length == 0 && !hasWordCharacter
          ? WordTally.Edge.NONE
          : new WordTally.Edge(word(), hasWordCharacter);
    }

    void clear() {
      length = 0;
      hash = 0;
      hasWordCharacter = false;
    }
  }
}
