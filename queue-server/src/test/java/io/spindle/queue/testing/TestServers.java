package io.spindle.queue.testing;

import io.spindle.queue.QueueServer;
import io.spindle.queue.QueueServerConfig;
import io.spindle.queue.jobs.JobLimits;
import io.spindle.queue.service.ServiceConfig;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;

/** In-JVM queue servers for tests: loopback, a free port, a spool under a temporary directory. */
public final class TestServers {
  public static final byte[] SECRET =
      "test-cluster-secret-0123456789abcdef".getBytes(StandardCharsets.UTF_8);

  private TestServers() {}

  /** The test defaults: loopback, any port, 1 s lease, small queues, two spool threads. */
  public static QueueServerConfig config(Path spoolDir) {
    QueueServerConfig c =
        QueueServerConfig.defaults(new InetSocketAddress("127.0.0.1", 0), SECRET, spoolDir);
    return c.withJobs(new JobLimits(100, 100, 64L * 1024 * 1024, Duration.ofSeconds(1), 5, 20))
        .withService(ServiceConfig.defaults("", "test-cluster"));
  }

  public static QueueServer start(QueueServerConfig config, InstantSource clock)
      throws IOException {
    try {
      return QueueServer.start(config, clock);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while starting a queue server", e);
    }
  }
}
