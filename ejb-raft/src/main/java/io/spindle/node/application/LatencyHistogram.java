package io.spindle.node.application;

import java.util.List;

/**
 * A latency distribution at one moment, as a cumulative histogram: how many observations took at
 * most each upper bound. Immutable.
 *
 * @param upperBoundsSeconds the buckets' upper bounds in seconds, strictly increasing, the last one
 *     {@link Double#POSITIVE_INFINITY}
 * @param cumulativeCounts for each bound, how many observations took at most that long; the last
 *     one is {@link #count()}
 * @param sumSeconds the observations' total, in seconds
 */
public record LatencyHistogram(
    List<Double> upperBoundsSeconds, List<Long> cumulativeCounts, double sumSeconds) {

  public LatencyHistogram {
    upperBoundsSeconds = List.copyOf(upperBoundsSeconds);
    cumulativeCounts = List.copyOf(cumulativeCounts);
    if (upperBoundsSeconds.isEmpty()
        || upperBoundsSeconds.get(upperBoundsSeconds.size() - 1) != Double.POSITIVE_INFINITY) {
      throw new IllegalArgumentException(
          "the last upper bound must be +Inf, not " + upperBoundsSeconds);
    }
    if (cumulativeCounts.size() != upperBoundsSeconds.size()) {
      throw new IllegalArgumentException(
          upperBoundsSeconds.size() + " bounds but " + cumulativeCounts.size() + " counts");
    }
    for (int i = 1; i < upperBoundsSeconds.size(); i++) {
      if (!(upperBoundsSeconds.get(i) > upperBoundsSeconds.get(i - 1))
          || cumulativeCounts.get(i) < cumulativeCounts.get(i - 1)) {
        throw new IllegalArgumentException(
            "bounds must increase and counts not decrease: "
                + upperBoundsSeconds
                + " "
                + cumulativeCounts);
      }
    }
  }

  /** How many observations there were. */
  public long count() {
    return cumulativeCounts.get(cumulativeCounts.size() - 1);
  }
}
