package io.spindle.node.infrastructure.runtime;

import io.spindle.node.application.CountService;
import io.spindle.node.application.FileService;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Inject;

/**
 * Makes the node's application services injectable: {@code @Inject FileService files},
 * {@code @Inject CountService counts}. The count service is {@link NodeRuntime}'s, one per node (it
 * holds the cache of counts), shared with the queue's count jobs.
 */
@ApplicationScoped
public class NodeServices {
  @Inject NodeRuntime node;

  @Produces
  FileService fileService() {
    return node.fileService();
  }

  @Produces
  CountService countService() {
    return node.countService();
  }
}
