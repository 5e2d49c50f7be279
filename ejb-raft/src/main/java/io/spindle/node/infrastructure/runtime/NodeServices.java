package io.spindle.node.infrastructure.runtime;

import io.spindle.node.application.CountService;
import io.spindle.node.application.FileService;
import io.spindle.node.application.LocalRangeCounter;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.Config;

/**
 * Makes the node's application services injectable: {@code @Inject FileService files},
 * {@code @Inject CountService counts}. The count service is one per node (it holds the cache of
 * counts) and, for now, counts every range from this node's own copy ({@link LocalRangeCounter}).
 */
@ApplicationScoped
public class NodeServices {
  @Inject NodeRuntime node;
  @Inject Config config;

  private CountService counts;

  @PostConstruct
  void open() {
    CountService.Settings settings =
        CountConfig.read(key -> config.getOptionalValue(key, String.class));
    FileService files = node.fileService();
    counts =
        new CountService(
            files,
            new LocalRangeCounter(
                files, node.config().nodeId().value(), settings.maxDistinctWords()),
            settings);
  }

  @Produces
  FileService fileService() {
    return node.fileService();
  }

  @Produces
  CountService countService() {
    return counts;
  }
}
