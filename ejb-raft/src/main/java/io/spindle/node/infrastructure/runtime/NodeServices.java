package io.spindle.node.infrastructure.runtime;

import io.spindle.node.application.FileCounter;
import io.spindle.node.application.FileService;
import io.spindle.node.application.GlobalPings;
import io.spindle.node.application.GroupService;
import io.spindle.node.application.NodeFacade;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Inject;

/**
 * Makes the node's application services injectable: {@code @Inject FileService files},
 * {@code @Inject FileCounter counts}, {@code @Inject GlobalPings pings} and {@code @Inject
 * NodeFacade node} (the node's status, limits and credentials, for the web tier). A count goes to
 * the shared queue as a client's does ({@link NodeRuntime#fileCounter()}), so the queue server's
 * last answer to it serves every node.
 */
@ApplicationScoped
public class NodeServices {
  @Inject NodeRuntime node;
  @Inject DatabaseMigration database;

  @Produces
  FileService fileService() {
    return node.fileService();
  }

  @Produces
  FileCounter fileCounter() {
    return node.fileCounter();
  }

  @Produces
  GroupService groupService() {
    return node.groupService();
  }

  @Produces
  GlobalPings globalPings() {
    return node.globalPing();
  }

  @Produces
  NodeFacade nodeFacade() {
    return new RuntimeFacade(node, database);
  }
}
