package io.spindle.node.application;

import io.spindle.node.domain.count.RangeCounts;
import io.spindle.node.domain.count.WordTally;
import java.time.Duration;
import java.util.Objects;

/**
 * What one node counted in one range: the counts and the word tally, both mergeable with the
 * neighbouring ranges' ({@link RangeCounts#merge}, {@link WordTally.Merger}).
 *
 * @param node the id of the node that counted it
 * @param elapsed how long counting took on that node
 */
public record RangeResult(
    RangeTask task, String node, RangeCounts counts, WordTally tally, Duration elapsed) {
  public RangeResult {
    Objects.requireNonNull(task, "task");
    Objects.requireNonNull(node, "node");
    Objects.requireNonNull(counts, "counts");
    Objects.requireNonNull(tally, "tally");
    Objects.requireNonNull(elapsed, "elapsed");
  }
}
