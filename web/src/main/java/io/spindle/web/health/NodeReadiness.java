package io.spindle.web.health;

import io.spindle.node.application.NodeFacade;
import io.spindle.node.application.NodeStatus;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

/**
 * Ready when the node knows a leader and has applied its log ({@link
 * io.spindle.node.application.NodeFacade#ready()}); the data tells why not, and which schema
 * version Flyway left the database at.
 */
@Readiness
@ApplicationScoped
public class NodeReadiness implements HealthCheck {
  @Inject NodeFacade node;

  @Override
  public HealthCheckResponse call() {
    NodeStatus status = node.status();
    HealthCheckResponseBuilder response =
        HealthCheckResponse.named("spindle-node")
            .status(node.ready())
            .withData("nodeId", status.nodeId())
            .withData("role", status.role().name())
            .withData("term", status.term())
            .withData("leaderId", status.leaderId().orElse(""))
            .withData("commitIndex", status.commitIndex())
            .withData("appliedIndex", status.appliedIndex())
            .withData("schemaVersion", node.schemaVersion().orElse(""))
            .withData("migrationsApplied", node.migrationsApplied());
    // A node joining by discovery says what it waits for: an edge list, being added, catching up.
    node.joinProgress().ifPresent(progress -> response.withData("join", progress));
    return response.build();
  }
}
