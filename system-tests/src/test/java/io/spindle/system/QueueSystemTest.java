package io.spindle.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The whole path through the front door: a real queue server process, three Payara Micro nodes on
 * their own MariaDB schemas that take their work from it, and the {@code spindle} client as a
 * process. Files of 0 B to 200 MiB go in with {@code spindle write} and come back equal with {@code
 * spindle read} (chunks fetched from several nodes); the node holding a write job is killed and the
 * job completes on the new leader; a node is killed while a client downloads from it; the queue
 * server is killed in the middle of an upload and restarted, and the client's retry stores the file
 * once.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class QueueSystemTest {
  private static final Duration STARTUP = Duration.ofSeconds(150);
  private static final int MIB = 1 << 20;
  private static final Pattern LEASE =
      Pattern.compile("\\{[^{}]*\"kind\"\\s*:\\s*\"write\"[^{}]*\\}");
  private static final Pattern NODE_ID = Pattern.compile("\"nodeId\"\\s*:\\s*\"([^\"]+)\"");
  private static final Pattern UPLOADS = Pattern.compile("\"uploads\"\\s*:\\s*([0-9]+)");

  private final HttpClient http =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();
  private final String secret = "queue-system-test-" + System.nanoTime() + "-0123456789";
  private final NodeSchemas schemas = new NodeSchemas();
  private final List<PayaraNode> nodes = new ArrayList<>();
  private Path root;
  private Path files;
  private int queuePort;
  private JavaProcess queueServer;
  private int queueStarts;
  private String peers;
  private Cli client;

  @BeforeAll
  void startCluster() throws Exception {
    root = Path.of(System.getProperty("spindle.system.dir"), "queue-" + System.nanoTime());
    files = Files.createDirectories(root.resolve("files"));
    try (ServerSocket socket = new ServerSocket(0)) {
      queuePort = socket.getLocalPort();
    }
    client = new Cli(queuePort, root);
    startQueueServer();
    for (int i = 1; i <= 3; i++) {
      nodes.add(new PayaraNode("q" + i, root));
    }
    peers = nodes.stream().map(PayaraNode::peerEntry).collect(Collectors.joining(","));
    for (PayaraNode node : nodes) {
      startNode(node);
    }
    for (PayaraNode node : nodes) {
      node.awaitReady(http, STARTUP);
    }
    awaitStatus(
        "every node reports to the queue server",
        s -> s.contains("\"q3\"") && s.contains("\"q2\"") && s.contains("\"q1\""));
  }

  @AfterAll
  void stopCluster() throws Exception {
    for (PayaraNode node : nodes) {
      node.close();
    }
    if (queueServer != null) {
      queueServer.kill();
    }
    schemas.dropAll();
  }

  @Test
  @Order(0)
  void aFilesBytesCannotBeFoundInACaptureOfTheRaftAndQueueTraffic() throws Exception {
    List<Integer> links = new ArrayList<>(List.of(queuePort));
    List<Integer> web = new ArrayList<>();
    for (PayaraNode node : nodes) {
      links.add(node.raftPort);
      web.add(node.httpPort);
    }
    Path file = randomFile("captured.bin", 4 * MIB, 4242);
    Path back = files.resolve("captured-back.bin");
    byte[] linkBytes;
    byte[] webBytes;
    try (Capture linkCapture = Capture.start(root.resolve("links.pcap"), links);
        Capture webCapture = Capture.start(root.resolve("web.pcap"), web)) {
      Cli.ok(client.run("write", file.toString(), "--name", "q/captured.bin"));
      // The read fetches the chunks from the nodes' web ports: plain HTTP on loopback.
      Cli.ok(client.run("read", "q/captured.bin", "-o", back.toString()));
      linkBytes = linkCapture.stop();
      webBytes = webCapture.stop();
    }
    assertEquals(sha256(file), sha256(back));
    byte[] content = Files.readAllBytes(file);
    assertTrue(
        linkBytes.length > 3L * content.length,
        "the capture holds the write, the replication to two followers and more: "
            + linkBytes.length
            + " bytes");
    SplittableRandom random = new SplittableRandom(7);
    List<byte[]> samples = new ArrayList<>();
    for (int i = 0; i < 64; i++) {
      int at = random.nextInt(content.length - 48);
      samples.add(java.util.Arrays.copyOfRange(content, at, at + 48));
    }
    assertEquals(
        0,
        Capture.found(linkBytes, samples),
        "no 48-byte piece of the file travels in the clear on the Raft and queue ports");
    int inTheClear = Capture.found(webBytes, samples);
    assertTrue(
        inTheClear >= samples.size() / 2,
        "the capture itself works: the plain-HTTP chunk downloads show "
            + inTheClear
            + " of "
            + samples.size()
            + " pieces");
  }

  @Test
  @Order(1)
  void filesOfEverySizeGoInAndComeBackEqual() throws Exception {
    for (int size : new int[] {0, 1, MIB - 1, MIB + 1, 200 * MIB}) {
      Path file = randomFile("size-" + size, size, size);
      String name = "q/size-" + size + ".bin";
      Cli.ok(client.run("write", file.toString(), "--name", name));
      Path back = files.resolve("back-" + size);
      Cli.ok(client.run("read", name, "-o", back.toString()));
      assertEquals(sha256(file), sha256(back), name);
    }
    String listing = Cli.ok(client.run("--json", "ls"));
    assertTrue(listing.contains("q/size-1.bin"), listing);

    Path text = files.resolve("words.txt");
    Files.writeString(text, "hello world\nfoo  bar\tbaz\n", StandardCharsets.UTF_8);
    Cli.ok(client.run("write", text.toString(), "--name", "q/words.txt"));
    String count = Cli.ok(client.run("--json", "count", "q/words.txt"));
    assertTrue(count.replace(" ", "").contains("\"lines\":2"), count);
    assertTrue(count.replace(" ", "").contains("\"words\":5"), count);
    assertTrue(count.replace(" ", "").contains("\"bytes\":25"), count);

    Cli.ok(client.run("rm", "q/size-1.bin"));
    Cli.Run gone = client.run("read", "q/size-1.bin", "-o", files.resolve("gone").toString());
    assertEquals(3, gone.exit(), "a missing file is exit status 3: " + gone.output());
  }

  @Test
  @Order(2)
  void aNodeKilledWhileItHoldsAWriteJobIsReplacedByTheNewLeader() throws Exception {
    Path file = randomFile("while-killed", 40 * MIB, 2);
    JavaProcess writer =
        client.start(
            "write", file.toString(), "--name", "q/while-killed.bin", "--commit-timeout", "240");
    String holder = awaitStatus("a node holds the write job", s -> LEASE.matcher(s).find());
    Matcher lease = LEASE.matcher(holder);
    assertTrue(lease.find());
    Matcher nodeId = NODE_ID.matcher(lease.group());
    assertTrue(nodeId.find(), lease.group());
    PayaraNode victim = node(nodeId.group(1));
    victim.kill();

    int exit = writer.await(300);
    assertEquals(0, exit, "the write completed elsewhere: " + writer.output());
    Path back = files.resolve("while-killed-back");
    Cli.ok(client.run("read", "q/while-killed.bin", "-o", back.toString()));
    assertEquals(sha256(file), sha256(back));

    startNode(victim);
    victim.awaitReady(http, STARTUP);
  }

  @Test
  @Order(3)
  void aDownloadSurvivesANodeKilledUnderIt() throws Exception {
    Path expected = files.resolve("size-" + (200 * MIB));
    Path back = files.resolve("download-killed");
    JavaProcess reader =
        client.start("read", "q/size-" + (200 * MIB) + ".bin", "-o", back.toString());
    PayaraNode victim = nodes.get(2);
    awaitFileGrows(back.resolveSibling(back.getFileName() + ".part"), back, reader);
    victim.kill();
    assertEquals(0, reader.await(300), "the read finished from the others: " + reader.output());
    assertEquals(sha256(expected), sha256(back));
    startNode(victim);
    victim.awaitReady(http, STARTUP);
  }

  @Test
  @Order(4)
  void aQueueServerKilledMidUploadIsRestartedAndTheRetryStoresTheFileOnce() throws Exception {
    Path file = randomFile("server-killed", 100 * MIB, 4);
    JavaProcess writer =
        client.start(
            "--retry-for", "180", "write", file.toString(), "--name", "q/server-killed.bin");
    awaitStatus(
        "the upload is in the spool",
        s -> {
          Matcher m = UPLOADS.matcher(s);
          return m.find() && Integer.parseInt(m.group(1)) > 0;
        });
    queueServer.kill();
    startQueueServer();

    assertEquals(0, writer.await(300), "the client's retry succeeded: " + writer.output());
    Path back = files.resolve("server-killed-back");
    Cli.ok(client.run("read", "q/server-killed.bin", "-o", back.toString()));
    assertEquals(sha256(file), sha256(back));
    String listing = Cli.ok(client.run("--json", "ls"));
    assertEquals(
        1,
        Pattern.compile(Pattern.quote("\"q/server-killed.bin\""))
            .matcher(listing)
            .results()
            .count(),
        listing);
  }

  // ---------------------------------------------------------------- processes

  private void startQueueServer() throws IOException {
    // The nodes here have static peers; no UDP port is needed.
    queueServer =
        JavaProcess.queueServer(
            queuePort,
            root,
            secret,
            root.resolve("queue-server-" + (++queueStarts) + ".log"),
            "--discovery",
            "off");
  }

  private void startNode(PayaraNode node) throws Exception {
    Map<String, String> env = new java.util.HashMap<>(schemas.environment(node.id));
    env.put("SPINDLE_QUEUE_SERVERS", "127.0.0.1:" + queuePort);
    node.start(peers, secret, env);
  }

  private PayaraNode node(String id) {
    return nodes.stream()
        .filter(n -> n.id.equals(id))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no node " + id));
  }

  private String awaitStatus(String what, Predicate<String> condition) throws Exception {
    Instant deadline = Instant.now().plus(STARTUP);
    String last = "";
    while (Instant.now().isBefore(deadline)) {
      Cli.Run status = client.run("--json", "--retry-for", "2", "status");
      last = status.output();
      if (status.exit() == 0 && condition.test(status.output())) {
        return status.output();
      }
    }
    fail("not within " + STARTUP + ": " + what + "; last status: " + last);
    return null;
  }

  /** Waits until the download has written something (to its temporary or final file). */
  private static void awaitFileGrows(Path partial, Path done, JavaProcess reader) throws Exception {
    Instant deadline = Instant.now().plus(Duration.ofSeconds(120));
    while (Instant.now().isBefore(deadline) && reader.isAlive()) {
      Optional<Path> any =
          Files.list(done.getParent())
              .filter(p -> p.getFileName().toString().startsWith(done.getFileName().toString()))
              .filter(p -> sizeOf(p) > 8L * MIB)
              .findFirst();
      if (any.isPresent()) {
        return;
      }
      Thread.sleep(50);
    }
    fail("the download did not start: " + reader.output());
  }

  private static long sizeOf(Path p) {
    try {
      return Files.size(p);
    } catch (IOException e) {
      return 0;
    }
  }

  private Path randomFile(String name, int size, long seed) throws IOException {
    Path file = files.resolve(name);
    SplittableRandom random = new SplittableRandom(seed);
    byte[] block = new byte[MIB];
    try (OutputStream out = Files.newOutputStream(file)) {
      for (int left = size; left > 0; left -= block.length) {
        random.nextBytes(block);
        out.write(block, 0, Math.min(left, block.length));
      }
    }
    return file;
  }

  private static String sha256(Path file) throws Exception {
    MessageDigest digest = MessageDigest.getInstance("SHA-256");
    try (var in = Files.newInputStream(file)) {
      byte[] buffer = new byte[1 << 16];
      for (int n; (n = in.read(buffer)) > 0; ) {
        digest.update(buffer, 0, n);
      }
    }
    return HexFormat.of().formatHex(digest.digest());
  }
}
