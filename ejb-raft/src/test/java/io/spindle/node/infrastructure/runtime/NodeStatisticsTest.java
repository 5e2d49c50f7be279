package io.spindle.node.infrastructure.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.spindle.node.application.LatencyHistogram;
import org.junit.jupiter.api.Test;

/** The fsync histogram: each observation in the first bucket whose bound holds it, cumulated. */
class NodeStatisticsTest {

  @Test
  void fsyncsLandInTheirBucketsCumulatively() {
    NodeStatistics statistics = new NodeStatistics();
    statistics.synced(50_000); // 50 µs: le=0.0001
    statistics.synced(100_000); // exactly 100 µs: still le=0.0001 (upper bounds are inclusive)
    statistics.synced(3_000_000); // 3 ms: le=0.005
    statistics.synced(60_000_000_000L); // a minute: only +Inf

    LatencyHistogram fsyncs = statistics.fsyncs();
    assertEquals(
        NodeStatistics.FSYNC_BOUNDS_SECONDS.length + 1, fsyncs.upperBoundsSeconds().size());
    assertEquals(Double.POSITIVE_INFINITY, fsyncs.upperBoundsSeconds().get(16));
    assertEquals(2, countUpTo(fsyncs, 0.0001));
    assertEquals(2, countUpTo(fsyncs, 0.0025));
    assertEquals(3, countUpTo(fsyncs, 0.005));
    assertEquals(3, countUpTo(fsyncs, 10));
    assertEquals(4, fsyncs.count());
    assertEquals(60.00315, fsyncs.sumSeconds(), 1e-9);
  }

  private static long countUpTo(LatencyHistogram histogram, double bound) {
    return histogram.cumulativeCounts().get(histogram.upperBoundsSeconds().indexOf(bound));
  }
}
