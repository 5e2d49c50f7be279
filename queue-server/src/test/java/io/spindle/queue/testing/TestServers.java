package io.spindle.queue.testing;

import io.spindle.protocol.auth.ClientTokens;
import io.spindle.queue.QueueServer;
import io.spindle.queue.QueueServerSettings;
import io.spindle.queue.jobs.JobQueueSettings;
import io.spindle.queue.service.ServiceSettings;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.EnumSet;

/** In-JVM queue servers for tests: loopback, a free port, a spool under a temporary directory. */
public final class TestServers {
  public static final byte[] SECRET =
      "test-cluster-secret-0123456789abcdef".getBytes(StandardCharsets.UTF_8);

  /** The federation secret of the tests' federations (at least 16 bytes). */
  public static final byte[] FEDERATION_SECRET =
      "test-federation-secret-0123456789abcdef".getBytes(StandardCharsets.UTF_8);

  /** A client token with the read and write rights, which test clients present by default. */
  public static final String TOKEN = "spt_test-token-read-write-0123456789";

  /** A client token with the read right only. */
  public static final String READ_TOKEN = "spt_test-token-read-only-0123456789";

  private TestServers() {}

  /**
   * The test defaults: loopback, any port, 1 s lease, small queues, two spool threads, and a tokens
   * file (beside the spool directory) that knows {@link #TOKEN} and {@link #READ_TOKEN}.
   */
  public static QueueServerSettings config(Path spoolDir) {
    QueueServerSettings c =
        QueueServerSettings.defaults(new InetSocketAddress("127.0.0.1", 0), SECRET, spoolDir);
    return c.withJobs(
            new JobQueueSettings(100, 100, 64L * 1024 * 1024, Duration.ofSeconds(1), 5, 20))
        .withService(ServiceSettings.defaults("", "test-cluster"))
        .withClientTokensFile(
            tokensFile(spoolDir.resolveSibling(spoolDir.getFileName() + ".tokens")));
  }

  /** Writes a tokens file that knows {@link #TOKEN} and {@link #READ_TOKEN}; returns it. */
  public static Path tokensFile(Path file) {
    try {
      Files.createDirectories(file.toAbsolutePath().getParent());
      Files.writeString(
          file,
          ClientTokens.line(TOKEN, EnumSet.allOf(ClientTokens.Right.class), "tester")
              + "\n"
              + ClientTokens.line(READ_TOKEN, EnumSet.of(ClientTokens.Right.READ), "reader")
              + "\n");
      return file;
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  public static QueueServer start(QueueServerSettings config, InstantSource clock)
      throws IOException {
    try {
      return QueueServer.start(config, clock);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while starting a queue server", e);
    }
  }
}
