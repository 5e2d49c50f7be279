package io.spindle.web.health;

import io.prometheus.metrics.model.snapshots.ClassicHistogramBuckets;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot.HistogramDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.prometheus.metrics.model.snapshots.Unit;
import io.spindle.node.application.LatencyHistogram;
import io.spindle.node.application.NodeCounters;
import io.spindle.node.application.NodeStatus;
import io.spindle.node.application.NodeStatus.Role;
import java.util.List;
import java.util.Locale;

/**
 * A node's metrics as Prometheus metric families, read from its status and counters at each scrape
 * (nothing is kept between scrapes). Names follow Prometheus's conventions: base units in the name
 * ({@code _seconds}, {@code _entries}), counters end in {@code _total} (the writer adds it).
 */
final class NodeMetrics {
  private static final List<Role> ROLES =
      List.of(Role.FOLLOWER, Role.CANDIDATE, Role.LEADER, Role.LEARNER);

  private NodeMetrics() {}

  static MetricSnapshots of(NodeStatus status, boolean ready, NodeCounters counters) {
    GaugeSnapshot.Builder role =
        GaugeSnapshot.builder()
            .name("spindle_raft_role")
            .help(
                "1 for the node's current Raft role, 0 for the others (a pre-candidate counts as candidate)");
    for (Role r : ROLES) {
      role.dataPoint(
          GaugeDataPointSnapshot.builder()
              .labels(Labels.of("role", r.name().toLowerCase(Locale.ROOT)))
              .value(isRole(status, r) ? 1 : 0)
              .build());
    }
    return MetricSnapshots.of(
        role.build(),
        gauge("spindle_raft_term", "the node's current Raft term", status.term()),
        gauge(
            "spindle_raft_commit_index",
            "the highest log index this node knows committed",
            status.commitIndex()),
        gauge(
            "spindle_raft_applied_index",
            "the highest log index applied to the file store",
            status.appliedIndex()),
        gauge("spindle_raft_last_index", "the last index of the node's log", status.lastIndex()),
        gauge(
            "spindle_apply_lag_entries",
            "committed log entries not yet applied",
            Math.max(0, status.commitIndex() - status.appliedIndex())),
        gauge(
            "spindle_node_ready",
            "1 while the node serves clients (it runs, knows a leader and has applied the log)",
            ready ? 1 : 0),
        counter(
            "spindle_raft_proposals",
            "entries this node appended as leader (proposals and one no-op per term)",
            counters.proposals()),
        counter(
            "spindle_raft_appended_entries",
            "entries appended to the node's log",
            counters.appendedEntries()),
        counter(
            "spindle_raft_dropped_messages",
            "Raft messages not sent: a peer's outbound bound reached, or no route to the peer",
            counters.droppedMessages()),
        histogram(
            "spindle_fsync_seconds",
            "how long each fsync of the Raft log took (group commit: one may cover many entries)",
            counters.fsyncs()));
  }

  private static boolean isRole(NodeStatus status, Role role) {
    Role actual = status.role() == Role.PRE_CANDIDATE ? Role.CANDIDATE : status.role();
    return status.running() && actual == role;
  }

  private static GaugeSnapshot gauge(String name, String help, double value) {
    return GaugeSnapshot.builder()
        .name(name)
        .help(help)
        .dataPoint(GaugeDataPointSnapshot.builder().value(value).build())
        .build();
  }

  /** A counter; {@code name} without {@code _total}, which the format adds. */
  private static CounterSnapshot counter(String name, String help, double value) {
    return CounterSnapshot.builder()
        .name(name)
        .help(help)
        .dataPoint(CounterDataPointSnapshot.builder().value(value).build())
        .build();
  }

  private static HistogramSnapshot histogram(String name, String help, LatencyHistogram latency) {
    List<Double> bounds = latency.upperBoundsSeconds();
    double[] upperBounds = new double[bounds.size()];
    long[] countsPerBucket = new long[bounds.size()];
    long below = 0;
    for (int i = 0; i < upperBounds.length; i++) {
      upperBounds[i] = bounds.get(i);
      long cumulative = latency.cumulativeCounts().get(i);
      countsPerBucket[i] = cumulative - below;
      below = cumulative;
    }
    return HistogramSnapshot.builder()
        .name(name)
        .help(help)
        .unit(Unit.SECONDS)
        .dataPoint(
            HistogramDataPointSnapshot.builder()
                .classicHistogramBuckets(ClassicHistogramBuckets.of(upperBounds, countsPerBucket))
                .sum(latency.sumSeconds())
                .build())
        .build();
  }
}
