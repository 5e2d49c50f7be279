package io.spindle.queue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spindle.discovery.DiscoveryMode;
import io.spindle.discovery.DiscoverySettings;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The command line becomes the configuration it says. */
class QueueServerMainTest {
  // Issue 13: secrets never reach a command line, and a short one is refused, not warned about.
  @Test
  void aSecretOnTheCommandLineOrAShortOneIsRefused(@org.junit.jupiter.api.io.TempDir Path dir)
      throws Exception {
    assertEquals(2, QueueServerMain.run("--secret", "a-secret-on-the-command-line-0123"));
    Path shortSecret = dir.resolve("secret");
    java.nio.file.Files.writeString(shortSecret, "too-short");
    assertEquals(
        2,
        QueueServerMain.run(
            "--secret-file", shortSecret.toString(), "--spool-dir", dir.resolve("s").toString()));
  }

  @Test
  @org.junit.jupiter.api.Timeout(60) // a server that started by mistake would run until stopped
  void aShortFederationSecretOrOneOnTheCommandLineIsRefusedWithAClearMessage(
      @org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
    Path secret = dir.resolve("secret");
    java.nio.file.Files.writeString(secret, "a-cluster-secret-of-32-bytes-0123");
    Path shortFederation = dir.resolve("federation-secret");
    java.nio.file.Files.writeString(shortFederation, "too-short\n");
    String[] start = {
      "--secret-file",
      secret.toString(),
      "--spool-dir",
      dir.resolve("s").toString(),
      "--plaintext",
      "--port",
      "0",
      "--discovery",
      "off"
    };
    String[] withShortFederation =
        java.util.stream.Stream.concat(
                java.util.Arrays.stream(start),
                java.util.stream.Stream.of("--federation-secret-file", shortFederation.toString()))
            .toArray(String[]::new);
    assertEquals(2, QueueServerMain.run(withShortFederation));
    assertEquals(
        2,
        QueueServerMain.run(
            java.util.stream.Stream.concat(
                    java.util.Arrays.stream(start),
                    java.util.stream.Stream.of(
                        "--federation-secret", "a-federation-secret-on-the-command-line"))
                .toArray(String[]::new)));

    QueueServerMain main = new QueueServerMain();
    new CommandLine(main).parseArgs(withShortFederation);
    IllegalArgumentException tooShort =
        assertThrows(IllegalArgumentException.class, () -> main.config(SECRET));
    assertTrue(
        tooShort.getMessage().contains("the federation secret has 9 bytes, fewer than 16"),
        tooShort.getMessage());
    assertFalse(tooShort.getMessage().contains("too-short"), "the secret is not in the message");

    QueueServerMain fromEnv = new QueueServerMain();
    new CommandLine(fromEnv).parseArgs("--plaintext");
    fromEnv.environment = name -> name.equals("SPINDLE_FEDERATION_SECRET") ? "short" : null;
    IllegalArgumentException envTooShort =
        assertThrows(IllegalArgumentException.class, () -> fromEnv.config(SECRET));
    assertTrue(envTooShort.getMessage().contains("fewer than 16"), envTooShort.getMessage());

    Path empty = dir.resolve("empty");
    java.nio.file.Files.writeString(empty, "\n");
    QueueServerMain emptyFile = new QueueServerMain();
    new CommandLine(emptyFile)
        .parseArgs("--plaintext", "--federation-secret-file", empty.toString());
    IllegalArgumentException isEmpty =
        assertThrows(IllegalArgumentException.class, () -> emptyFile.config(SECRET));
    assertTrue(isEmpty.getMessage().contains("is empty"), isEmpty.getMessage());

    QueueServerMain missingFile = new QueueServerMain();
    new CommandLine(missingFile)
        .parseArgs("--plaintext", "--federation-secret-file", dir.resolve("missing").toString());
    java.io.IOException missing =
        assertThrows(java.io.IOException.class, () -> missingFile.config(SECRET));
    assertTrue(missing.getMessage().contains("no such file"), missing.getMessage());
  }

  @Test
  void theFederationSecretComesFromItsFileElseTheEnvironmentElseThereIsNone(
      @org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
    String federation = "a-federation-secret-0123456789abcdef";
    Path file = dir.resolve("federation-secret");
    java.nio.file.Files.writeString(file, federation + "\n");
    QueueServerMain fromFile = new QueueServerMain();
    new CommandLine(fromFile).parseArgs("--plaintext", "--federation-secret-file", file.toString());
    fromFile.environment = name -> "ignored-when-a-file-is-given-0123456789";
    QueueServerSettings c = fromFile.config(SECRET);
    assertEquals(federation, new String(c.federationSecret(), StandardCharsets.UTF_8));
    assertFalse(c.toString().contains(federation), "the federation secret is not printed");

    QueueServerMain fromEnv = new QueueServerMain();
    new CommandLine(fromEnv).parseArgs("--plaintext");
    fromEnv.environment = name -> name.equals("SPINDLE_FEDERATION_SECRET") ? federation : null;
    assertEquals(
        federation, new String(fromEnv.config(SECRET).federationSecret(), StandardCharsets.UTF_8));

    QueueServerMain none = new QueueServerMain();
    new CommandLine(none).parseArgs("--plaintext");
    none.environment = name -> null;
    assertEquals(null, none.config(SECRET).federationSecret(), "in no federation");
  }

  @Test
  void peersAreHostPortsAndAtMostSixteen() throws Exception {
    QueueServerMain main = new QueueServerMain();
    new CommandLine(main).parseArgs("--plaintext", "--peers", "127.0.0.1:4001, [::1]:4002,");
    assertEquals(List.of("127.0.0.1:4001", "[::1]:4002"), main.config(SECRET).peers());

    QueueServerMain noPort = new QueueServerMain();
    new CommandLine(noPort).parseArgs("--plaintext", "--peers", "127.0.0.1:4001,qs2");
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> noPort.config(SECRET));
    assertTrue(e.getMessage().contains("--peers: 'qs2' is not an address"), e.getMessage());

    QueueServerMain many = new QueueServerMain();
    String seventeen =
        String.join(
            ",",
            java.util.stream.IntStream.range(0, 17)
                .mapToObj(i -> "127.0.0.1:" + (5000 + i))
                .toList());
    new CommandLine(many).parseArgs("--plaintext", "--peers", seventeen);
    e = assertThrows(IllegalArgumentException.class, () -> many.config(SECRET));
    assertTrue(e.getMessage().contains("at most 16"), e.getMessage());

    QueueServerMain none = new QueueServerMain();
    new CommandLine(none).parseArgs("--plaintext");
    assertEquals(List.of(), none.config(SECRET).peers());
  }

  @Test
  void optionsBecomeTheConfiguration() throws Exception {
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
            "2",
            "--max-connections",
            "50",
            "--max-connections-per-address",
            "5",
            "--client-idle-timeout-s",
            "30",
            "--max-requests-in-flight",
            "8",
            "--result-cache-mib",
            "3",
            "--plaintext");
    QueueServerSettings c = main.config("s".getBytes(StandardCharsets.UTF_8));
    assertEquals(50, c.transport().maxConnections());
    assertEquals(5, c.transport().maxConnectionsPerAddress());
    assertEquals(Duration.ofSeconds(30), c.transport().clientIdleTimeout());
    assertEquals(8, c.service().maxRequestsInFlight());
    assertEquals(3L << 20, c.service().resultCacheBytes());
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

  @Test
  void plainTextIsOnlyForLoopbackAndOnlyWhenAskedFor(@org.junit.jupiter.api.io.TempDir Path dir)
      throws Exception {
    byte[] secret = "s".repeat(32).getBytes(StandardCharsets.UTF_8);
    QueueServerMain none = new QueueServerMain();
    new CommandLine(none).parseArgs();
    IllegalArgumentException noTls =
        assertThrows(IllegalArgumentException.class, () -> none.config(secret));
    assertTrue(noTls.getMessage().contains("--plaintext"), noTls.getMessage());

    QueueServerMain wide = new QueueServerMain();
    new CommandLine(wide).parseArgs("--bind", "0.0.0.0", "--plaintext");
    IllegalArgumentException open =
        assertThrows(IllegalArgumentException.class, () -> wide.config(secret));
    assertTrue(open.getMessage().contains("plain text only on a loopback"), open.getMessage());

    io.spindle.protocol.tls.ClusterCertificates certs =
        io.spindle.protocol.tls.ClusterCertificates.ensure(dir, "c1")
            .member("queue", java.util.List.of());
    QueueServerMain tls = new QueueServerMain();
    new CommandLine(tls)
        .parseArgs(
            "--bind",
            "0.0.0.0",
            "--tls-cert",
            certs.certFile("queue").toString(),
            "--tls-key",
            certs.keyFile("queue").toString(),
            "--tls-ca",
            certs.caFile().toString());
    assertTrue(tls.config(secret).tls() != null);
  }

  @Test
  void itListensOnThisMachineOnlyUnlessToldOtherwise() {
    QueueServerMain main = new QueueServerMain();
    new CommandLine(main).parseArgs();
    assertEquals("127.0.0.1", main.bind);
    DiscoverySettings d = main.discoverySettings(SECRET).orElseThrow();
    assertEquals(DiscoveryMode.LOOPBACK, d.mode());
    assertEquals(8888, d.port());
    assertEquals("239.0.0.1", d.multicastGroup().getHostAddress());
    assertEquals(10000, d.multicastPort());
  }

  @Test
  void loopbackDiscoveryWithOtherPorts() {
    QueueServerMain main = new QueueServerMain();
    new CommandLine(main)
        .parseArgs(
            "--cluster-id",
            "c7",
            "--discovery",
            "loopback",
            "--discovery-port",
            "9888",
            "--multicast-group",
            "239.1.2.3",
            "--multicast-port",
            "10001");
    DiscoverySettings d = main.discoverySettings(SECRET).orElseThrow();
    assertEquals(DiscoveryMode.LOOPBACK, d.mode());
    assertEquals("c7", d.clusterId());
    assertEquals(9888, d.port());
    assertEquals("239.1.2.3", d.multicastGroup().getHostAddress());
    assertEquals(10001, d.multicastPort());
    assertEquals(0, d.multicastTtl(), "loopback multicast never leaves the machine");
    assertFalse(d.broadcast());
  }

  @Test
  void discoveryOffAndBadModes() {
    QueueServerMain off = new QueueServerMain();
    new CommandLine(off).parseArgs("--discovery", "off");
    assertTrue(off.discoverySettings(SECRET).isEmpty());

    QueueServerMain bad = new QueueServerMain();
    new CommandLine(bad).parseArgs("--discovery", "wan");
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> bad.discoverySettings(SECRET));
    assertTrue(e.getMessage().contains("lan, loopback or off"), e.getMessage());
  }

  private static final byte[] SECRET = "s".getBytes(StandardCharsets.UTF_8);
}
