package io.spindle.queue.metrics;

import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.prometheus.metrics.model.snapshots.Unit;
import io.spindle.queue.service.QueueServiceMetrics;

/**
 * The queue server's metric families, from one {@link QueueServiceMetrics} and the count of open
 * connections. Names follow Prometheus's conventions: base units in the name, counters end in
 * {@code _total} (the writer adds it), one family per quantity with labels for its parts.
 */
public final class QueueMetrics {
  private QueueMetrics() {}

  public static MetricSnapshots of(QueueServiceMetrics service, int openConnections) {
    GaugeSnapshot.Builder jobs =
        GaugeSnapshot.builder()
            .name("spindle_queue_jobs")
            .help(
                "jobs in each queue (leader, shared) by state: queued (waiting) or leased to a node");
    GaugeSnapshot.Builder capacity =
        GaugeSnapshot.builder()
            .name("spindle_queue_capacity_jobs")
            .help("how many jobs each queue holds waiting before it answers BUSY");
    for (QueueServiceMetrics.Queue q : service.queues()) {
      String queue = q.kind().label();
      jobs.dataPoint(point(q.queued(), "queue", queue, "state", "queued"));
      jobs.dataPoint(point(q.leased(), "queue", queue, "state", "leased"));
      capacity.dataPoint(point(q.capacity(), "queue", queue));
    }
    CounterSnapshot.Builder finished =
        CounterSnapshot.builder()
            .name("spindle_queue_jobs_finished")
            .help(
                "jobs ended since the start, by queue and outcome: succeeded, failed (a node"
                    + " answered an error), given_up (failed or given back too often), timed_out"
                    + " (no node took it in time)");
    for (QueueServiceMetrics.FinishedJobs f : service.finished()) {
      finished.dataPoint(
          CounterDataPointSnapshot.builder()
              .labels(Labels.of("queue", f.queue().label(), "outcome", f.outcome().label()))
              .value(f.count())
              .build());
    }
    return MetricSnapshots.of(
        jobs.build(),
        capacity.build(),
        finished.build(),
        gauge(
            "spindle_queue_connections",
            "connections open on the queue port, clients and nodes",
            openConnections),
        gauge(
            "spindle_queue_nodes_connected",
            "nodes with a connection to this queue server",
            service.nodesConnected()),
        gauge(
            "spindle_queue_uploads",
            "uploads being received or awaiting their commit",
            service.uploads()),
        GaugeSnapshot.builder()
            .name("spindle_queue_spool_bytes")
            .help("disk the spool has reserved for uploads")
            .unit(Unit.BYTES)
            .dataPoint(point(service.spoolBytes()))
            .build(),
        gauge(
            "spindle_queue_raft_term",
            "the highest Raft term any node reported to this queue server",
            service.term()));
  }

  private static GaugeSnapshot gauge(String name, String help, double value) {
    return GaugeSnapshot.builder().name(name).help(help).dataPoint(point(value)).build();
  }

  private static GaugeDataPointSnapshot point(double value, String... labels) {
    return GaugeDataPointSnapshot.builder().labels(Labels.of(labels)).value(value).build();
  }
}
