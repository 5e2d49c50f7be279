package io.spindle.node.application;

import io.spindle.node.domain.FileName;
import io.spindle.node.domain.count.WcLocale;
import java.util.Objects;

/**
 * One range of a count: bytes {@code [start, end)} of the file {@code name} whose content has
 * {@code sha256}, counted in {@code locale}. Any node holding that content can count it.
 *
 * @param index the range's place in the file, from 0
 * @param tallyWords whether to tally the words too (only a count that asks for top words needs
 *     them; without, a range is a pass of {@link io.spindle.node.domain.count.WcScanner} only)
 */
public record RangeTask(
    FileName name,
    String sha256,
    long fileSize,
    WcLocale locale,
    int index,
    long start,
    long end,
    boolean tallyWords) {
  /** A task that tallies the words too. */
  public RangeTask(
      FileName name,
      String sha256,
      long fileSize,
      WcLocale locale,
      int index,
      long start,
      long end) {
    this(name, sha256, fileSize, locale, index, start, end, true);
  }

  public RangeTask {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(sha256, "sha256");
    Objects.requireNonNull(locale, "locale");
    if (index < 0 || start < 0 || end < start || end > fileSize) {
      throw new IllegalArgumentException(
          "a range is 0 <= start <= end <= file size; got ["
              + start
              + ", "
              + end
              + ") of "
              + fileSize
              + " bytes, index "
              + index);
    }
  }

  public long length() {
    return end - start;
  }
}
