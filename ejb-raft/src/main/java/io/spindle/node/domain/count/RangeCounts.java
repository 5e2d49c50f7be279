package io.spindle.node.domain.count;

import java.util.List;

/**
 * The counts of one byte range, plus what merging needs: the range was counted as if it started
 * outside a word; {@code first} is its first character that decides (a word character or a
 * separator, or NONE if it has neither) and {@code endsInWord} whether it ends inside a word.
 */
public record RangeCounts(
    long lines, long words, long bytes, long chars, First first, boolean endsInWord) {

  /** The first character of a range that starts or ends a word. */
  public enum First {
    NONE,
    SEPARATOR,
    WORD
  }

  /**
   * The counts of consecutive ranges as one: a word that straddles a boundary was counted by both
   * sides and counts once.
   */
  public static RangeCounts merge(List<RangeCounts> inOrder) {
    long lines = 0;
    long words = 0;
    long bytes = 0;
    long chars = 0;
    First first = First.NONE;
    boolean inWord = false;
    for (RangeCounts r : inOrder) {
      lines += r.lines;
      bytes += r.bytes;
      chars += r.chars;
      words += r.words;
      if (r.first == First.WORD && inWord) {
        words--;
      }
      if (first == First.NONE) {
        first = r.first;
      }
      if (r.first != First.NONE) {
        inWord = r.endsInWord;
      }
    }
    return new RangeCounts(lines, words, bytes, chars, first, inWord);
  }

  /** Counts a whole byte array. */
  public static RangeCounts of(WcLocale locale, byte[] data) {
    WcScanner scanner = new WcScanner(locale);
    scanner.feed(data, 0, data.length);
    return scanner.finish(new byte[0]);
  }
}
