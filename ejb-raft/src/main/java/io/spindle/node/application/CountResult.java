package io.spindle.node.application;

import io.spindle.node.domain.FileInfo;
import io.spindle.node.domain.count.RangeCounts;
import io.spindle.node.domain.count.WcLocale;
import io.spindle.node.domain.count.WordCount;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * A file counted as {@code wc -l -w -c -m} counts it, with its most frequent words.
 *
 * @param topComplete false if the file has more distinct words than a tally keeps ({@link
 *     io.spindle.node.domain.count.WordTally}): {@code top} is then empty, the counts stay exact
 * @param ranges who counted which range, in file order
 * @param elapsed how long this answer took (a cached one: the look-up)
 * @param cached whether the answer came from the cache of counts by content
 */
public record CountResult(
    FileInfo file,
    WcLocale locale,
    RangeCounts counts,
    List<WordCount> top,
    boolean topComplete,
    List<CountedRange> ranges,
    Duration elapsed,
    boolean cached) {

  /** Which node counted bytes {@code [start, end)} of the file, and how long it took. */
  public record CountedRange(String node, long start, long end, Duration elapsed) {}

  public CountResult {
    Objects.requireNonNull(file, "file");
    Objects.requireNonNull(locale, "locale");
    Objects.requireNonNull(counts, "counts");
    top = List.copyOf(top);
    ranges = List.copyOf(ranges);
    Objects.requireNonNull(elapsed, "elapsed");
  }

  CountResult asCached(FileInfo asked, Duration lookup) {
    return new CountResult(asked, locale, counts, top, topComplete, ranges, lookup, true);
  }
}
