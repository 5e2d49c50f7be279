package io.spindle.node.domain.count;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Objects;

/**
 * Counts lines, words and characters of one byte range exactly as GNU {@code wc} counts them, in
 * one pass, streaming. A file is split into ranges that are counted independently (on different
 * nodes) and merged with {@link RangeCounts#merge}: each range reports its first decisive character
 * and whether it ends inside a word, so a word straddling a boundary counts once.
 *
 * <p>The rules (coreutils 9.1): a line is a {@code \n}; a word is a maximal run of word characters;
 * separators end a word; neutral bytes (controls, unprintable characters, invalid UTF-8) neither
 * start nor end one. In the C locale every byte is a character, ASCII white space separates and
 * printable ASCII makes words. In UTF-8 the classes come from the C library ({@link
 * Utf8WordClasses}) and only valid characters count for {@code -m}; a character cut by a range
 * boundary belongs to the range where it starts, so a scanner is given up to {@code MAX_SEQUENCE -
 * 1} bytes of context on either side ({@link #context}, {@link #finish}).
 *
 * <p>Speed: bytes are classified eight at a time (SWAR on a {@code long}) with the word state as a
 * carry chain, so neutral bytes need no branch: every byte in the C locale, and every run of eight
 * ASCII bytes in UTF-8. Other UTF-8 bytes go one character at a time, two-byte characters on a
 * short path, the rest through the exact decoder.
 *
 * <p>Not thread-safe: one scanner per range.
 */
public final class WcScanner {
  /** The longest sequence glibc decodes, and so the context a range needs on either side. */
  public static final int MAX_SEQUENCE = 6;

  // Byte classes, packed for branch-free updates: bit 0 word character, bit 1 separator (clears
  // "in word"), bit 2 newline. Package-private: WordTallyScanner cuts words by the same classes.
  static final byte NEUTRAL = 0;
  static final byte WORD = 1;
  static final byte SEPARATOR = 2;
  static final byte NEWLINE = 6;

  private static final byte[] ASCII_CLASSES = new byte[256];
  private static final byte[] UNICODE_CLASSES = new byte[0x110000];

  private static final VarHandle LONG_LE =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
  private static final long HIGH = 0x8080808080808080L;
  private static final long LOW7 = 0x7f7f7f7f7f7f7f7fL;

  static {
    for (int b = 0x21; b <= 0x7e; b++) {
      ASCII_CLASSES[b] = WORD;
    }
    for (int b : new int[] {' ', '\t', '\u000b', '\f', '\r'}) {
      ASCII_CLASSES[b] = SEPARATOR;
    }
    ASCII_CLASSES['\n'] = NEWLINE;
    fill(Utf8WordClasses.WORD_CHARACTERS, WORD);
    fill(Utf8WordClasses.SEPARATORS, SEPARATOR);
    UNICODE_CLASSES['\n'] = NEWLINE;
  }

  private static void fill(int[] ranges, byte value) {
    for (int i = 0; i < ranges.length; i += 2) {
      for (int cp = ranges[i]; cp <= ranges[i + 1]; cp++) {
        UNICODE_CLASSES[cp] = value;
      }
    }
  }

  private final WcLocale locale;
  private long bytes;
  private long lines;
  private long words;
  private long chars;
  private int inWord;
  private RangeCounts.First first = RangeCounts.First.NONE;

  /**
   * UTF-8: the start of a character (a lead byte and the continuation bytes seen so far) whose
   * remaining bytes have not arrived yet. Owned when it started in this range; not owned when it
   * started in the context before it, and then it is the previous range's.
   */
  private final byte[] carry = new byte[MAX_SEQUENCE - 1];

  private int carryLength;
  private boolean carryOwned;

  public WcScanner(WcLocale locale) {
    this.locale = Objects.requireNonNull(locale, "locale");
  }

  /**
   * The bytes that precede the range in the file (UTF-8 only; ignored in C): a character starting
   * there and reaching into the range is the previous range's, not this one's.
   */
  public WcScanner context(byte[] precedingBytes) {
    if (bytes > 0) {
      throw new IllegalStateException("context comes before the first bytes of the range");
    }
    if (locale == WcLocale.UTF8) {
      int i = Math.max(0, precedingBytes.length - (MAX_SEQUENCE - 1));
      while (i < precedingBytes.length) {
        int n = sequenceLength(precedingBytes, i, precedingBytes.length);
        if (n == INCOMPLETE) {
          carryLength = precedingBytes.length - i;
          System.arraycopy(precedingBytes, i, carry, 0, carryLength);
          carryOwned = false;
          break;
        }
        i += n > 0 ? n : 1;
      }
    }
    return this;
  }

  /** Counts the next bytes of the range. */
  public void feed(byte[] data, int offset, int length) {
    Objects.checkFromIndexSize(offset, length, data.length);
    bytes += length;
    int end = offset + length;
    if (locale == WcLocale.C) {
      chars += length;
      scanAscii(data, offset, end);
      return;
    }
    int from = offset;
    while (carryLength > 0 && from < end) {
      from = completeCarry(data, from, end, false);
    }
    scanUtf8(data, from, end);
  }

  /**
   * Ends the range. {@code followingBytes} are the bytes (up to {@code MAX_SEQUENCE - 1}) that come
   * after it in the file, empty at its end: they complete a character that starts in the range.
   */
  public RangeCounts finish(byte[] followingBytes) {
    if (locale == WcLocale.UTF8 && carryLength > 0) {
      completeCarry(followingBytes, 0, Math.min(MAX_SEQUENCE - 1, followingBytes.length), true);
    }
    return new RangeCounts(lines, words, bytes, chars, first, inWord == 1);
  }

  // ---------------------------------------------------------------- state updates

  private void apply(int cls) {
    if (first == RangeCounts.First.NONE && cls != NEUTRAL) {
      first = (cls & WORD) != 0 ? RangeCounts.First.WORD : RangeCounts.First.SEPARATOR;
    }
    words += cls & ~inWord & 1;
    inWord = (inWord & ~(cls >> 1)) | (cls & 1);
    lines += cls >>> 2;
  }

  /**
   * Counts eight bytes at once, all of them classified as in the C locale (in UTF-8: all ASCII).
   * Each byte's class is computed in its high bit (SWAR on a {@code long}), the word and neutral
   * bits are gathered into one bit per byte, and "in a word after byte i" is a carry chain (a word
   * byte sets it, a separator clears it, a neutral byte passes it on), which one addition computes
   * for all eight bytes: with A = word bits and B = word | neutral bits, A + B + inWord carries
   * into position i exactly the state before byte i.
   */
  private void block(long x) {
    long y = x & LOW7;
    long ascii = ~x & HIGH;
    long printable = (y + 0x5f5f5f5f5f5f5f5fL) & ~zeroBytes(y ^ LOW7) & HIGH; // 0x21..0x7e
    long controlSpace = (y + 0x7777777777777777L) & ~(y + 0x7272727272727272L) & HIGH; // 9..13
    long word = printable & ascii;
    long separator = (zeroBytes(y ^ 0x2020202020202020L) | controlSpace) & ascii;
    lines += Long.bitCount(zeroBytes(y ^ 0x0a0a0a0a0a0a0a0aL) & ascii);
    count(word, separator);
  }

  /**
   * The words that start among eight bytes, given the high bits of their word and separator bytes
   * (the rest are neutral).
   */
  private void count(long word, long separator) {
    if ((word | separator) == HIGH) {
      // No neutral byte (most text): the state before each byte is the byte before it.
      long previousWord = (word << 8) | ((long) inWord << 7);
      words += Long.bitCount(word & ~previousWord);
      inWord = (int) (word >>> 63);
      return;
    }
    long a = gather(word);
    long b = gather(HIGH & ~separator); // word or neutral
    long sum = a + b + inWord;
    long before = sum ^ a ^ b; // bit i: in a word before byte i
    words += Long.bitCount(a & ~before);
    inWord = (int) (sum >>> 8);
  }

  /** As {@link #block}, for eight bytes known to be ASCII (no high bit set). */
  private void asciiBlock(long y) {
    lines += Long.bitCount(zeroBytes(y ^ 0x0a0a0a0a0a0a0a0aL));
    asciiWords(y);
  }

  /**
   * As {@link #asciiBlock} for the first {@code n} (1 to 7) bytes of {@code y} only. The others are
   * replaced by copies of the last of those for the words (a byte repeated neither starts a word
   * nor changes the state), and left out of the lines.
   */
  private void asciiPrefix(long y, int n) {
    long mask = -1L >>> (64 - 8 * n);
    long kept = y & mask;
    lines += Long.bitCount(zeroBytes(kept ^ 0x0a0a0a0a0a0a0a0aL));
    long last = (kept >>> (8 * n - 8)) & 0xff;
    asciiWords(kept | (last * 0x0101010101010101L & ~mask));
  }

  private void asciiWords(long y) {
    long printable = (y + 0x5f5f5f5f5f5f5f5fL) & ~zeroBytes(y ^ LOW7); // 0x21..0x7e
    long controlSpace = (y + 0x7777777777777777L) & ~(y + 0x7272727272727272L); // 9..13
    long separator = (zeroBytes(y ^ 0x2020202020202020L) | controlSpace) & HIGH;
    count(printable & HIGH, separator);
  }

  /** The high bits of the eight bytes of {@code m} (nothing else set) as bits 0..7. */
  private static long gather(long m) {
    return ((m >>> 7) * 0x0102040810204080L) >>> 56;
  }

  /** The high bit of every byte of {@code t} that is zero (t's high bits must be clear). */
  private static long zeroBytes(long t) {
    return ~(((t & LOW7) + LOW7) | t | LOW7);
  }

  // ---------------------------------------------------------------- C locale

  private void scanAscii(byte[] data, int from, int end) {
    int i = from;
    while (i < end && first == RangeCounts.First.NONE) {
      apply(ASCII_CLASSES[data[i++] & 0xff]);
    }
    for (; i + 8 <= end; i += 8) {
      block((long) LONG_LE.get(data, i));
    }
    exactAscii(data, i, end);
  }

  private void exactAscii(byte[] data, int from, int end) {
    long w = words;
    long l = lines;
    int in = inWord;
    for (int i = from; i < end; i++) {
      int k = ASCII_CLASSES[data[i] & 0xff];
      w += k & ~in & 1;
      in = (in & ~(k >> 1)) | (k & 1);
      l += k >>> 2;
    }
    words = w;
    lines = l;
    inWord = in;
  }

  // ---------------------------------------------------------------- UTF-8

  private void scanUtf8(byte[] data, int from, int end) {
    int i = from;
    while (i < end && first == RangeCounts.First.NONE) {
      int n = character(data, i, end);
      if (n <= 0) {
        return; // carried
      }
      i += n;
    }
    while (i < end) {
      if (i + 8 <= end) {
        long x = (long) LONG_LE.get(data, i);
        long high = x & HIGH;
        if (high == 0) {
          asciiBlock(x);
          chars += 8;
          i += 8;
          continue;
        }
        // The ASCII bytes before the first non-ASCII one, still eight at a time.
        int ascii = Long.numberOfTrailingZeros(high) >>> 3;
        if (ascii > 0) {
          asciiPrefix(x, ascii);
          chars += ascii;
          i += ascii;
        }
      }
      int b0 = data[i];
      if (b0 >= 0) {
        step(ASCII_CLASSES[b0]);
        chars++;
        i++;
      } else if (b0 >= (byte) 0xc2
          && b0 < (byte) 0xe0
          && i + 1 < end
          && data[i + 1] < (byte) 0xc0) {
        // A valid two-byte character (the continuation byte is 0x80..0xbf: negative, below 0xc0).
        step(UNICODE_CLASSES[(b0 & 0x1f) << 6 | (data[i + 1] & 0x3f)]);
        chars++;
        i += 2;
      } else if (b0 > (byte) 0xe0
          && b0 < (byte) 0xf0
          && b0 != (byte) 0xed
          && i + 2 < end
          && data[i + 1] < (byte) 0xc0
          && data[i + 2] < (byte) 0xc0) {
        // A valid three-byte character whose lead byte puts no extra bound on the next byte.
        step(UNICODE_CLASSES[(b0 & 0x0f) << 12 | (data[i + 1] & 0x3f) << 6 | (data[i + 2] & 0x3f)]);
        chars++;
        i += 3;
      } else {
        int n = character(data, i, end);
        if (n <= 0) {
          return; // carried
        }
        i += n;
      }
    }
  }

  /** The word and line counts after one byte or character of class {@code cls}. */
  private void step(int cls) {
    words += cls & ~inWord & 1;
    inWord = (inWord & ~(cls >> 1)) | (cls & 1);
    lines += cls >>> 2;
  }

  /**
   * Counts the character (or invalid byte) at {@code i}; returns the bytes it took, or 0 when it is
   * cut by {@code end} and was carried to the next feed.
   */
  private int character(byte[] data, int i, int end) {
    byte b = data[i];
    if (b >= 0) {
      apply(ASCII_CLASSES[b]);
      chars++;
      return 1;
    }
    int n = sequenceLength(data, i, end);
    if (n > 0) {
      chars++;
      apply(classOf(decode(data, i, n)));
      return n;
    } else if (n == INCOMPLETE) {
      carryLength = end - i;
      System.arraycopy(data, i, carry, 0, carryLength);
      carryOwned = true;
      return 0;
    }
    return 1; // an invalid byte: neutral, and not a character
  }

  /**
   * Completes the carried start of a character with the bytes that follow; returns where the range
   * continues in {@code data}. With {@code atEnd}, {@code data} is what follows the range (not this
   * range's bytes): a character it completes counts if it started here; a carry it cannot complete
   * is decided for good.
   */
  private int completeCarry(byte[] data, int from, int end, boolean atEnd) {
    int take = Math.min(MAX_SEQUENCE - carryLength, end - from);
    byte[] window = new byte[carryLength + take];
    System.arraycopy(carry, 0, window, 0, carryLength);
    System.arraycopy(data, from, window, carryLength, take);
    int n = sequenceLength(window, 0, window.length);
    if (n > 0) {
      if (carryOwned) {
        chars++;
        apply(classOf(decode(window, 0, n)));
      }
      int consumed = n - carryLength;
      carryLength = 0;
      return from + consumed;
    }
    if (n == INCOMPLETE && !atEnd) {
      // Still cut short (a feed of fewer bytes than the character needs): keep collecting.
      System.arraycopy(data, from, carry, carryLength, take);
      carryLength += take;
      return from + take;
    }
    // Invalid, or cut off by the end of the file. The carry is a lead byte followed by
    // continuation bytes, none of which can start a character: all of it is neutral, and the
    // bytes after it are read afresh.
    carryLength = 0;
    return from;
  }

  static final int INVALID = -1;
  static final int INCOMPLETE = -2;

  /**
   * The length of the valid UTF-8 sequence at {@code i} as glibc's decoder accepts it (no overlong
   * forms, no surrogates, but the old 5- and 6-byte forms up to 0x7FFFFFFF, which wc counts as
   * characters and treats as neutral), {@link #INVALID}, or {@link #INCOMPLETE} when {@code end}
   * cuts a sequence that could still become valid.
   */
  static int sequenceLength(byte[] d, int i, int end) {
    int b0 = d[i] & 0xff;
    int n;
    int lo = 0x80;
    int hi = 0xbf;
    if (b0 < 0x80) {
      return 1;
    } else if (b0 < 0xc2) {
      return INVALID;
    } else if (b0 < 0xe0) {
      n = 2;
    } else if (b0 < 0xf0) {
      n = 3;
      if (b0 == 0xe0) {
        lo = 0xa0;
      } else if (b0 == 0xed) {
        hi = 0x9f;
      }
    } else if (b0 < 0xf8) {
      n = 4;
      if (b0 == 0xf0) {
        lo = 0x90;
      }
    } else if (b0 < 0xfc) {
      n = 5;
      if (b0 == 0xf8) {
        lo = 0x88;
      }
    } else if (b0 < 0xfe) {
      n = 6;
      if (b0 == 0xfc) {
        lo = 0x84;
      }
    } else {
      return INVALID;
    }
    for (int k = 1; k < n; k++) {
      if (i + k >= end) {
        return INCOMPLETE;
      }
      int b = d[i + k] & 0xff;
      if (b < (k == 1 ? lo : 0x80) || b > (k == 1 ? hi : 0xbf)) {
        return INVALID;
      }
    }
    return n;
  }

  /** The class of a decoded character in the UTF-8 locale. */
  static int classOf(int codePoint) {
    return codePoint < UNICODE_CLASSES.length ? UNICODE_CLASSES[codePoint] : NEUTRAL;
  }

  /** The class of a byte in the C locale (and of an ASCII character in UTF-8). */
  static int asciiClass(int unsignedByte) {
    return ASCII_CLASSES[unsignedByte];
  }

  static int decode(byte[] d, int i, int n) {
    int cp = d[i] & (0xff >> (n + 1));
    for (int k = 1; k < n; k++) {
      cp = (cp << 6) | (d[i + k] & 0x3f);
    }
    return cp;
  }
}
