package io.spindle.node.infrastructure.runtime;

import io.spindle.node.application.FileService;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Inject;

/** Makes the node's application services injectable: {@code @Inject FileService files}. */
@ApplicationScoped
public class NodeServices {
  @Inject NodeRuntime node;

  @Produces
  FileService fileService() {
    return node.fileService();
  }
}
