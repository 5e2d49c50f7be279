package io.spindle.web.health;

import io.spindle.node.application.NodeFacade;
import io.spindle.node.application.NodeStatus;
import io.spindle.node.application.NodeStatus.Role;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.Initialized;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.eclipse.microprofile.metrics.Metadata;
import org.eclipse.microprofile.metrics.MetricRegistry;
import org.eclipse.microprofile.metrics.MetricUnits;
import org.eclipse.microprofile.metrics.Tag;
import org.eclipse.microprofile.metrics.annotation.RegistryScope;

/**
 * The node's Raft metrics under {@code /metrics} (application scope): role (one gauge per role, 1
 * for the current one), term, commit and applied index, apply lag, proposals and fsync time. All
 * are gauges read from the runtime on scrape; the {@code _total} ones only grow.
 */
@ApplicationScoped
public class NodeMetrics {
  @Inject NodeFacade node;

  @Inject
  @RegistryScope(scope = MetricRegistry.APPLICATION_SCOPE)
  MetricRegistry registry;

  void register(@Observes @Initialized(ApplicationScoped.class) Object started) {
    for (Role role : new Role[] {Role.FOLLOWER, Role.CANDIDATE, Role.LEADER, Role.LEARNER}) {
      registry.gauge(
          "spindle_raft_role",
          node,
          n -> isRole(n.status(), role) ? 1 : 0,
          new Tag("role", role.name()));
    }
    gauge("spindle_raft_term", "the node's current term", MetricUnits.NONE, n -> n.status().term());
    gauge(
        "spindle_raft_commit_index",
        "highest log index known committed",
        MetricUnits.NONE,
        n -> n.status().commitIndex());
    gauge(
        "spindle_raft_applied_index",
        "highest log index applied to the state machine",
        MetricUnits.NONE,
        n -> n.status().appliedIndex());
    gauge(
        "spindle_raft_apply_lag",
        "committed entries not yet applied",
        MetricUnits.NONE,
        n -> Math.max(0, n.status().commitIndex() - n.status().appliedIndex()));
    gauge(
        "spindle_raft_proposals_total",
        "entries this node appended as leader (proposals and one no-op per term)",
        MetricUnits.NONE,
        n -> n.counters().proposals());
    gauge(
        "spindle_raft_appended_entries_total",
        "entries appended to the local log",
        MetricUnits.NONE,
        n -> n.counters().appendedEntries());
    gauge(
        "spindle_raft_fsyncs_total",
        "log fsyncs (group commit: one may cover many entries)",
        MetricUnits.NONE,
        n -> n.counters().fsyncs());
    gaugeDouble(
        "spindle_raft_fsync_seconds_total",
        "time spent in log fsyncs; divide by fsyncs for the mean latency",
        n -> n.counters().fsyncSecondsTotal());
    gaugeDouble(
        "spindle_raft_fsync_last_seconds",
        "latency of the latest log fsync",
        n -> n.counters().lastFsyncSeconds());
  }

  private static boolean isRole(NodeStatus status, Role role) {
    Role actual = status.role() == Role.PRE_CANDIDATE ? Role.CANDIDATE : status.role();
    return status.running() && actual == role;
  }

  private void gauge(
      String name,
      String description,
      String unit,
      java.util.function.ToLongFunction<NodeFacade> f) {
    registry.gauge(
        Metadata.builder().withName(name).withDescription(description).withUnit(unit).build(),
        node,
        n -> f.applyAsLong(n));
  }

  private void gaugeDouble(
      String name, String description, java.util.function.ToDoubleFunction<NodeFacade> f) {
    registry.gauge(
        Metadata.builder()
            .withName(name)
            .withDescription(description)
            .withUnit(MetricUnits.NONE)
            .build(),
        node,
        n -> f.applyAsDouble(n));
  }
}
