package io.spindle.node.infrastructure.runtime;

import io.spindle.node.application.FileCounter;
import io.spindle.node.application.FileService;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Inject;

/**
 * Makes the node's application services injectable: {@code @Inject FileService files},
 * {@code @Inject FileCounter counts}. A count goes to the shared queue as a client's does ({@link
 * NodeRuntime#fileCounter()}), so the queue server's last answer to it serves every node.
 */
@ApplicationScoped
public class NodeServices {
  @Inject NodeRuntime node;

  @Produces
  FileService fileService() {
    return node.fileService();
  }

  @Produces
  FileCounter fileCounter() {
    return node.fileCounter();
  }
}
