package io.spindle.node.application;

import java.util.concurrent.CompletionStage;

/**
 * Counts one range of a file: on this node ({@link LocalRangeCounter}) or, through the queue
 * server, on whichever node takes the task. {@link CountService} splits, calls this for each range
 * and merges.
 *
 * <p><b>Threading:</b> called on the thread of the count's request, for a few ranges at a time
 * ({@link CountService.Settings#rangesInFlight()}); may block that thread or return at once and
 * complete later on any thread. <b>Errors:</b> the stage completes exceptionally with {@link
 * FileChangedException} when the range's content (its SHA-256) is no longer stored, with {@link
 * ClusterUnavailableException} when the range cannot be counted now; an exception thrown from
 * {@code count} itself counts as such a failure.
 */
@FunctionalInterface
public interface RangeCounter {
  CompletionStage<RangeResult> count(RangeTask task);
}
