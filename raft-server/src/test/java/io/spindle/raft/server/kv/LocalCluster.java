package io.spindle.raft.server.kv;

import io.spindle.protocol.tls.ClusterCertificates;
import io.spindle.protocol.tls.ClusterTls;
import io.spindle.raft.NodeId;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.logging.Logger;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * A cluster of {@link RaftServer} processes on 127.0.0.1, for the benchmark and multi-process
 * tests: free ports picked up front, one data directory per node under a root, a fresh random
 * secret passed through the environment, each process's log in {@code <root>/<id>.log}. Nodes can
 * be killed (SIGKILL) and restarted on the same port and data. {@link #close()} kills every process
 * and, if it created the root, deletes it.
 *
 * <p>Thread-safe.
 */
public final class LocalCluster implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(LocalCluster.class.getName());

  private final Path root;
  private final boolean ownsRoot;
  private final List<String> jvmOptions;
  private final List<String> serverFlags;
  private final String secret;
  private final Map<NodeId, Integer> ports = new LinkedHashMap<>();
  private final Map<NodeId, Process> processes = new ConcurrentHashMap<>();
  private volatile ClusterTls clientTls;
  private volatile boolean closed;

  private LocalCluster(
      Path root, boolean ownsRoot, int size, List<String> jvmOptions, List<String> serverFlags)
      throws IOException {
    this.root = root;
    this.ownsRoot = ownsRoot;
    this.jvmOptions = List.copyOf(jvmOptions);
    this.serverFlags = List.copyOf(serverFlags);
    byte[] secretBytes = new byte[24];
    new SecureRandom().nextBytes(secretBytes);
    this.secret = HexFormat.of().formatHex(secretBytes);
    List<Integer> free = freePorts(size);
    for (int i = 0; i < size; i++) {
      ports.put(NodeId.of("n" + (i + 1)), free.get(i));
    }
  }

  /**
   * Plans a cluster of {@code size} nodes under {@code root} (a new temporary directory, deleted on
   * close, when null). Nothing runs until {@link #startAll}.
   */
  public static LocalCluster create(
      int size, Path root, List<String> jvmOptions, List<String> serverFlags) throws IOException {
    boolean owns = root == null;
    Path dir = owns ? Files.createTempDirectory("spindle-raft-") : root;
    return new LocalCluster(dir, owns, size, jvmOptions, serverFlags);
  }

  /**
   * Makes the cluster's CA and the nodes' certificates under {@code <root>/tls} (with openssl): the
   * nodes started from now on use TLS on their Raft port, and {@link #clientTls} trusts them.
   */
  public void enableTls() throws IOException, InterruptedException {
    ClusterCertificates certs = ClusterCertificates.ensure(root.resolve("tls"), "bench");
    for (NodeId id : ports.keySet()) {
      certs.member(id.value(), List.of());
    }
    clientTls = ClusterTls.client(certs.caFile());
  }

  /** TLS for a client of the nodes, or null while TLS is off. */
  public ClusterTls clientTls() {
    return clientTls;
  }

  public List<NodeId> ids() {
    return List.copyOf(ports.keySet());
  }

  public int port(NodeId id) {
    return ports.get(id);
  }

  public String address(NodeId id) {
    return "127.0.0.1:" + port(id);
  }

  /** Every node's {@code host:port}, in id order. */
  public List<String> addresses() {
    return ports.keySet().stream().map(this::address).collect(Collectors.toList());
  }

  /** The node listening at {@code host:port}, if any. */
  public Optional<NodeId> nodeAt(String address) {
    return ports.keySet().stream().filter(id -> address(id).equals(address)).findFirst();
  }

  public Path root() {
    return root;
  }

  public Path logFile(NodeId id) {
    return root.resolve(id + ".log");
  }

  public String secret() {
    return secret;
  }

  public boolean isRunning(NodeId id) {
    Process p = processes.get(id);
    return p != null && p.isAlive();
  }

  public Optional<Process> process(NodeId id) {
    return Optional.ofNullable(processes.get(id));
  }

  /** Starts every node and waits until each prints {@code READY}. */
  public void startAll(Duration timeout) throws IOException, InterruptedException {
    List<CompletableFuture<Integer>> ready = new ArrayList<>();
    for (NodeId id : ports.keySet()) {
      ready.add(launch(id));
    }
    int i = 0;
    for (NodeId id : ports.keySet()) {
      awaitReady(id, ready.get(i++), timeout);
    }
  }

  /** (Re)starts one node on its port and data directory and waits until it prints READY. */
  public void start(NodeId id, Duration timeout) throws IOException, InterruptedException {
    awaitReady(id, launch(id), timeout);
  }

  /** SIGKILLs a node and waits until the process is gone. */
  public void kill(NodeId id) throws InterruptedException {
    Process p = processes.remove(id);
    if (p != null) {
      p.destroyForcibly();
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        LOG.warning("process of " + id + " did not die within 30 s of SIGKILL");
      }
    }
  }

  private CompletableFuture<Integer> launch(NodeId id) throws IOException {
    if (closed) {
      throw new IllegalStateException("the cluster is closed");
    }
    Process old = processes.get(id);
    if (old != null && old.isAlive()) {
      throw new IllegalStateException(id + " is already running");
    }
    Path data = root.resolve(id.value());
    Files.createDirectories(data);
    String peers =
        ports.keySet().stream().map(n -> n + "=" + address(n)).collect(Collectors.joining(","));
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(jvmOptions);
    command.add("-Djava.util.logging.SimpleFormatter.format=" + RaftServer.LOG_FORMAT);
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(RaftServer.class.getName());
    command.addAll(
        List.of("--id", id.value(), "--listen", address(id), "--peers", peers, "--data"));
    command.add(data.toString());
    if (clientTls != null) {
      command.add("--tls-dir");
      command.add(root.resolve("tls").toString());
    }
    command.addAll(serverFlags);
    ProcessBuilder builder = new ProcessBuilder(command);
    builder.environment().put(RaftServer.SECRET_ENV, secret);
    builder.redirectError(ProcessBuilder.Redirect.appendTo(logFile(id).toFile()));
    builder.redirectInput(ProcessBuilder.Redirect.PIPE);
    Process process = builder.start();
    process.getOutputStream().close();
    processes.put(id, process);
    CompletableFuture<Integer> ready = new CompletableFuture<>();
    Thread reader =
        new Thread(
            () -> {
              try (BufferedReader out =
                  new BufferedReader(
                      new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = out.readLine()) != null) {
                  if (line.startsWith("READY ")) {
                    ready.complete(Integer.parseInt(line.substring(6).trim()));
                  } else {
                    LOG.warning(id + " printed on stdout: " + line);
                  }
                }
              } catch (IOException | RuntimeException e) {
                ready.completeExceptionally(e);
              }
              ready.completeExceptionally(
                  new IllegalStateException(id + " exited before it printed READY"));
            },
            "stdout-" + id);
    reader.setDaemon(true);
    reader.start();
    return ready;
  }

  private void awaitReady(NodeId id, CompletableFuture<Integer> ready, Duration timeout)
      throws InterruptedException {
    try {
      int port = ready.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      if (port != port(id)) {
        throw new IllegalStateException(id + " listens on " + port + ", not on " + port(id));
      }
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException(
          id
              + " did not become ready within "
              + timeout
              + " ("
              + e
              + "); its log ends with:\n"
              + tail(id, 40),
          e);
    }
  }

  /** The last lines of a node's log, for error messages. */
  public String tail(NodeId id, int lines) {
    try {
      List<String> all = Files.readAllLines(logFile(id), StandardCharsets.UTF_8);
      return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    } catch (IOException | UncheckedIOException e) {
      return "(no log: " + e + ")";
    }
  }

  /**
   * Stops every process (SIGTERM, then SIGKILL after {@code grace}); deletes the root if this
   * cluster created it.
   */
  public void close(Duration grace) {
    closed = true;
    if (!grace.isZero()) {
      processes.values().forEach(Process::destroy);
    }
    long deadline = System.nanoTime() + grace.toNanos();
    for (Process p : processes.values()) {
      try {
        long left = deadline - System.nanoTime();
        if (left <= 0 || !p.waitFor(left, TimeUnit.NANOSECONDS)) {
          p.destroyForcibly();
        }
        p.waitFor(30, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        processes.values().forEach(Process::destroyForcibly);
        break;
      }
    }
    processes.clear();
    if (ownsRoot) {
      deleteRecursively(root);
    }
  }

  /** Kills every process at once (SIGKILL); deletes the root if this cluster created it. */
  @Override
  public void close() {
    close(Duration.ZERO);
  }

  static void deleteRecursively(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      walk.sorted(Comparator.reverseOrder())
          .forEach(
              p -> {
                try {
                  Files.deleteIfExists(p);
                } catch (IOException e) {
                  LOG.warning("could not delete " + p + ": " + e);
                }
              });
    } catch (IOException e) {
      LOG.warning("could not delete " + dir + ": " + e);
    }
  }

  /**
   * Ports below Linux's ephemeral range (32768+), so that a restarted node does not find its port
   * taken by some outgoing connection meanwhile.
   */
  private static List<Integer> freePorts(int count) throws IOException {
    SecureRandom random = new SecureRandom();
    List<Integer> result = new ArrayList<>();
    for (int attempt = 0; result.size() < count && attempt < 1000; attempt++) {
      int candidate = 20_000 + random.nextInt(12_000);
      if (result.contains(candidate)) {
        continue;
      }
      try (ServerSocket s = new ServerSocket(candidate, 1, InetAddress.getLoopbackAddress())) {
        result.add(s.getLocalPort());
      } catch (IOException taken) {
        // try another
      }
    }
    if (result.size() < count) {
      throw new IOException("could not find " + count + " free ports on 127.0.0.1");
    }
    return result;
  }
}
