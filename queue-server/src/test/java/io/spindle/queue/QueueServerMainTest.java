package io.spindle.queue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The command line becomes the configuration it says. */
class QueueServerMainTest {
  @Test
  void optionsBecomeTheConfiguration() {
    QueueServerMain main = new QueueServerMain();
    new CommandLine(main)
        .parseArgs(
            "--port",
            "4100",
            "--bind",
            "127.0.0.1",
            "--cluster-id",
            "c7",
            "--spool-dir",
            "/tmp/s",
            "--lease-ms",
            "2500",
            "--leader-queue-capacity",
            "7",
            "--max-inline-bytes",
            "4096",
            "--queue-timeout-ms",
            "1234",
            "--max-frame-mib",
            "4",
            "--max-chunk-mib",
            "2");
    QueueServerConfig c = main.config("s".getBytes(StandardCharsets.UTF_8));
    assertEquals(4100, c.bind().getPort());
    assertEquals("c7", c.service().clusterId());
    assertEquals(Path.of("/tmp/s"), c.spoolDir());
    assertEquals(Duration.ofMillis(2500), c.jobs().lease());
    assertEquals(7, c.jobs().leaderCapacity());
    assertEquals(4096, c.service().maxInlineBytes());
    assertEquals(Duration.ofMillis(1234), c.service().queueTimeout());
    assertEquals(4 << 20, c.transport().maxFrameSize());
    assertEquals(2 << 20, c.service().maxChunkSize());
    assertEquals(1 << 20, c.service().defaultChunkSize());
    assertFalse(c.toString().contains("secret=s"), "the secret is not printed");
  }
}
