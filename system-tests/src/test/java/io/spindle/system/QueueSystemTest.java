package io.spindle.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.OutputStream;
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
import java.util.SplittableRandom;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
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
  private static final Duration STARTUP = Duration.ofSeconds(300);
  private static final int MIB = 1 << 20;
  private static final Pattern LEASE =
      Pattern.compile("\\{[^{}]*\"kind\"\\s*:\\s*\"write\"[^{}]*\\}");
  private static final Pattern NODE_ID = Pattern.compile("\"nodeId\"\\s*:\\s*\"([^\"]+)\"");
  private static final Pattern UPLOADS = Pattern.compile("\"uploads\"\\s*:\\s*([0-9]+)");

  // Trusts the cluster's CA, for a node whose web port serves HTTPS.
  private final HttpClient http = SystemTls.httpClient();
  private final String secret = "queue-system-test-" + System.nanoTime() + "-0123456789";
  private final NodeSchemas schemas = new NodeSchemas();
  private final List<PayaraNode> nodes = new ArrayList<>();
  private Path root;
  private Path files;
  private int queuePort;
  private int discoveryPort;
  private int multicastPort;
  private JavaProcess queueServer;
  private int queueStarts;
  private String peers;
  private Cli client;

  @BeforeAll
  void startCluster() throws Exception {
    root = Path.of(System.getProperty("spindle.system.dir"), "queue-" + System.nanoTime());
    files = Files.createDirectories(root.resolve("files"));
    queuePort = Ports.tcp();
    discoveryPort = Ports.udp();
    multicastPort = Ports.udp();
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
  void everyServerListensOnLoopbackOnly() throws Exception {
    List<Integer> ports = new ArrayList<>(List.of(queuePort));
    for (PayaraNode node : nodes) {
      ports.add(node.raftPort);
      ports.add(node.httpPort);
    }
    for (int port : ports) {
      List<java.net.InetAddress> bound = Listeners.on(port);
      assertTrue(!bound.isEmpty(), "something listens on " + port);
      assertTrue(
          bound.stream().allMatch(java.net.InetAddress::isLoopbackAddress),
          "port " + port + " listens on " + bound);
    }
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
  @Order(0)
  void fuzzingEveryPortLeavesTheClusterUpItsFilesWholeAndItsLogsBounded() throws Exception {
    Path kept = randomFile("kept.bin", 3 * MIB + 17, 99);
    Cli.ok(client.run("write", kept.toString(), "--name", "q/fuzz-kept.bin"));
    Map<Path, Long> logsBefore = logSizes();
    PayaraNode raftTarget = nodes.get(0);
    PayaraNode webTarget = nodes.get(1);
    Duration each = Duration.ofSeconds(5);
    Fuzzer fuzz = new Fuzzer(20261206);

    fuzz.randomBytes(queuePort, each, 300);
    fuzz.mutated(queuePort, SystemTls.client(), QueueSystemTest::validQueueFrames, each, 300);
    fuzz.randomBytes(raftTarget.raftPort, each, 300);
    fuzz.mutated(
        raftTarget.raftPort, SystemTls.client(), QueueSystemTest::validRaftHello, each, 300);
    fuzz.randomBytes(webTarget.httpPort, each, 300);
    fuzz.mutated(webTarget.httpPort, null, () -> validHttpRequest(webTarget), each, 300);
    fuzz.datagrams(discoveryPort, this::validDiscoveryDatagram, each, 2_000);
    assertTrue(fuzz.connections() > 100, fuzz.connections() + " connections and datagrams");

    for (PayaraNode node : nodes) {
      assertTrue(node.isAlive(), node.id + " is up");
      node.awaitReady(http, STARTUP);
    }
    assertTrue(queueServer.isAlive(), "the queue server is up");
    Path back = files.resolve("kept-back.bin");
    Cli.ok(client.run("read", "q/fuzz-kept.bin", "-o", back.toString()));
    assertEquals(sha256(kept), sha256(back), "the acknowledged file is byte-identical");
    Path after = randomFile("after-fuzz.bin", MIB + 3, 100);
    Cli.ok(client.run("write", after.toString(), "--name", "q/after-fuzz.bin"));

    long budget = 2L * MIB;
    for (Map.Entry<Path, Long> log : logSizes().entrySet()) {
      long grew = log.getValue() - logsBefore.getOrDefault(log.getKey(), 0L);
      assertTrue(
          grew < budget,
          log.getKey()
              + " grew by "
              + grew
              + " bytes under "
              + fuzz.connections()
              + " fuzzing connections and datagrams ("
              + fuzz.bytesSent()
              + " bytes)");
    }
  }

  /** The queue server's and every node's log, and their sizes now. */
  private Map<Path, Long> logSizes() throws IOException {
    Map<Path, Long> sizes = new java.util.LinkedHashMap<>();
    sizes.put(
        root.resolve("queue-server-" + queueStarts + ".log"),
        Files.size(root.resolve("queue-server-" + queueStarts + ".log")));
    for (PayaraNode node : nodes) {
      Path log = node.dir.resolve("node.log");
      sizes.put(log, Files.size(log));
    }
    return sizes;
  }

  /** A client's first frames: the hello with the token, a status, a list and a small write. */
  private static byte[] validQueueFrames() {
    try {
      java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
      io.spindle.protocol.queue.QueueFrame.newBuilder()
          .setClientHello(
              io.spindle.protocol.queue.ClientHello.newBuilder()
                  .setProtocolVersion(io.spindle.protocol.queue.QueueProtocol.VERSION)
                  .setToken(SystemTokens.TOKEN))
          .build()
          .writeDelimitedTo(out);
      byte[] data = "fuzz".getBytes(StandardCharsets.UTF_8);
      for (io.spindle.protocol.queue.Request.Builder r :
          List.of(
              io.spindle.protocol.queue.Request.newBuilder()
                  .setStatus(io.spindle.protocol.queue.Status.getDefaultInstance()),
              io.spindle.protocol.queue.Request.newBuilder()
                  .setList(io.spindle.protocol.queue.ListFiles.newBuilder().setPrefix("fuzz/")),
              io.spindle.protocol.queue.Request.newBuilder()
                  .setWriteBegin(
                      io.spindle.protocol.queue.WriteBegin.newBuilder()
                          .setName("fuzz/x.txt")
                          .setSize(data.length)
                          .setSha256(
                              com.google.protobuf.ByteString.copyFrom(
                                  MessageDigest.getInstance("SHA-256").digest(data)))
                          .setInlineData(com.google.protobuf.ByteString.copyFrom(data))))) {
        io.spindle.protocol.queue.QueueFrame.newBuilder()
            .setRequest(r.setRequestId(java.util.UUID.randomUUID().toString()))
            .build()
            .writeDelimitedTo(out);
      }
      return out.toByteArray();
    } catch (IOException | java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A Raft peer's first frame: the handshake hello. */
  private static byte[] validRaftHello() {
    try {
      java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
      byte[] nonce = new byte[32];
      new java.security.SecureRandom().nextBytes(nonce);
      io.spindle.protocol.raft.RaftFrame.newBuilder()
          .setHello(
              io.spindle.protocol.raft.HandshakeHello.newBuilder()
                  .setProtocolVersion(1)
                  .setNodeId("fuzz")
                  .setNonce(com.google.protobuf.ByteString.copyFrom(nonce)))
          .build()
          .writeDelimitedTo(out);
      return out.toByteArray();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A PUT of a small file with the token, as curl sends it. */
  private static byte[] validHttpRequest(PayaraNode node) {
    String body = "fuzzed body\n";
    return ("PUT /api/files/fuzz/h.txt HTTP/1.1\r\n"
            + "Host: 127.0.0.1:"
            + node.httpPort
            + "\r\nAuthorization: Bearer "
            + SystemTokens.TOKEN
            + "\r\nContent-Type: application/octet-stream\r\nContent-Length: "
            + body.length()
            + "\r\nConnection: close\r\n\r\n"
            + body)
        .getBytes(StandardCharsets.US_ASCII);
  }

  /**
   * A node's announcement, in the right form but signed with another secret: a mutation of it never
   * becomes a valid join of a node that does not exist.
   */
  private byte[] validDiscoveryDatagram() {
    io.spindle.discovery.DiscoverySettings other =
        io.spindle.discovery.DiscoverySettings.builder(
                "spindle", "not the cluster secret, 0123456789".getBytes(StandardCharsets.UTF_8))
            .build();
    return io.spindle.discovery.DatagramAuthenticator.of(other)
        .sign(
            io.spindle.protocol.discovery.DiscoveryBody.newBuilder()
                .setAddNodeRequest(
                    io.spindle.protocol.discovery.AddNodeRequestProto.newBuilder()
                        .setNodeId("fuzz")
                        .setRaftAddress("127.0.0.1:1")
                        .setHttpUrl("http://127.0.0.1:1"))
                .build())
        .bytes();
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
    // Held to 8 MiB/s, so the kill lands mid-download: unlimited, the read of 200 MiB could end
    // before the test saw its file grow.
    JavaProcess reader =
        client.start(
            "read", "q/size-" + (200 * MIB) + ".bin", "-o", back.toString(), "--limit-rate", "8M");
    PayaraNode victim = nodes.get(2);
    awaitPartGrows(back, reader);
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

  @Test
  @Order(5)
  void aWebPortBeyondLoopbackServesHttpsOnlyWithTheClustersCertificate() throws Exception {
    PayaraNode node = node("q3");
    node.close();
    node.serveHttpsBeyondLoopback();
    startNode(node);
    node.awaitReady(http, STARTUP); // over HTTPS, trusting the cluster's CA

    List<java.net.InetAddress> bound = Listeners.on(node.httpPort);
    assertTrue(
        bound.stream().anyMatch(a -> !a.isLoopbackAddress()),
        "it listens beyond loopback: " + bound);
    java.net.http.HttpResponse<String> cluster =
        http.send(
            SystemTokens.request(node.url().resolve("/api/cluster")).build(),
            java.net.http.HttpResponse.BodyHandlers.ofString());
    assertEquals(200, cluster.statusCode(), cluster.body());
    assertTrue(cluster.body().contains("\"nodeId\":\"q3\""), cluster.body());

    HttpClient plain =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    java.net.URI http = java.net.URI.create("http://127.0.0.1:" + node.httpPort + "/health/ready");
    assertThrows(
        IOException.class,
        () ->
            plain.send(
                java.net.http.HttpRequest.newBuilder(http).timeout(Duration.ofSeconds(5)).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString()),
        "no plain HTTP on a port beyond loopback");
    assertThrows(
        javax.net.ssl.SSLException.class,
        () ->
            plain.send(
                java.net.http.HttpRequest.newBuilder(node.url().resolve("/health/ready"))
                    .timeout(Duration.ofSeconds(5))
                    .build(),
                java.net.http.HttpResponse.BodyHandlers.ofString()),
        "a client that does not trust the cluster's CA does not trust the node");
  }

  // ---------------------------------------------------------------- processes

  private void startQueueServer() throws IOException {
    // The nodes here have static peers; the discovery server runs (on loopback) to be fuzzed.
    queueServer =
        JavaProcess.queueServer(
            queuePort,
            root,
            secret,
            root.resolve("queue-server-" + (++queueStarts) + ".log"),
            "--discovery",
            "loopback",
            "--discovery-port",
            Integer.toString(discoveryPort),
            "--multicast-port",
            Integer.toString(multicastPort));
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

  /**
   * Waits until the download into {@code target} has written more than 8 MiB into its temporary
   * file ({@code .NAME.*.part} beside it, renamed to {@code target} once whole and verified).
   */
  private static void awaitPartGrows(Path target, JavaProcess reader) throws Exception {
    String prefix = "." + target.getFileName() + ".";
    Instant deadline = Instant.now().plus(Duration.ofSeconds(120));
    while (Instant.now().isBefore(deadline) && reader.isAlive()) {
      try (Stream<Path> siblings = Files.list(target.getParent())) {
        if (siblings
            .filter(p -> p.getFileName().toString().startsWith(prefix))
            .filter(p -> p.getFileName().toString().endsWith(".part"))
            .anyMatch(p -> sizeOf(p) > 8L * MIB)) {
          return;
        }
      }
      Thread.sleep(50);
    }
    fail("the download's .part file did not grow past 8 MiB while it ran: " + reader.output());
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
