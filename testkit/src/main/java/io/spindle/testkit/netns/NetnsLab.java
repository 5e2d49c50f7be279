package io.spindle.testkit.netns;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.logging.Logger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A small network of hosts for tests: network namespaces {@code <prefix>-h1..hN}, each with a veth
 * {@code eth0} on a bridge in a namespace of its own ({@code <prefix>-br}), on a private /24 in
 * 10.231.0.0/16. Host i has address 10.231.S.(10+i), broadcast 10.231.S.255, only the connected
 * route and IPv6 off (so that the hosts send nothing of their own). Tests add routes and run child
 * JVMs inside the hosts with {@code ip netns exec}; nothing runs in, or broadcasts from, the
 * machine's own namespace.
 *
 * <p>{@link #withRootLink()} also links the machine's own namespace to the bridge (address
 * 10.231.S.1), so that the test itself reaches servers in the hosts by unicast. That link has IPv6
 * and ARP off, and static neighbour entries on both sides, so the machine's namespace sends nothing
 * on it but the test's own packets to the hosts, and never a broadcast or multicast.
 *
 * <p>{@link #cut(int, int)} drops every IPv4 packet one host sends to another (an nftables rule on
 * the sender's output hook, in a table of the lab's own): a one-way cut; both directions make a
 * partition. {@link #heal()} removes every cut. Cuts need the {@code nft} command (Debian's
 * nftables, which {@code tools/install-nftables.sh} installs).
 *
 * <p>The prefix is {@code spd-<pid>-<random>}, unique per run. After all tests the children are
 * killed and every namespace with the prefix is deleted (deleting a namespace deletes its veth ends
 * and the bridge); a JVM shutdown hook does the same if the run is cut short, and the next run
 * deletes namespaces whose creating process no longer exists. Needs root and iproute2; without them
 * the tests are skipped with the reason.
 */
public final class NetnsLab implements ExecutionCondition, BeforeAllCallback, AfterAllCallback {
  private static final Logger LOG = Logger.getLogger(NetnsLab.class.getName());
  private static final Pattern OURS = Pattern.compile("spd-(\\d+)-[0-9a-f]+-(br|h\\d+|probe)");
  private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(20);
  private static final String CUTS = "spindle_cuts";

  private final int hosts;
  private final String prefix;
  private final int subnet;
  private final List<Child> children = new CopyOnWriteArrayList<>();
  private final Set<List<Integer>> cuts = new HashSet<>();
  private final Set<Integer> filtered = new HashSet<>();
  private boolean rootLink;
  private String rootInterface;
  private Thread shutdownHook;
  private String unavailable;

  public NetnsLab(int hosts) {
    this.hosts = hosts;
    this.prefix =
        "spd-"
            + ProcessHandle.current().pid()
            + "-"
            + HexFormat.of().toHexDigits((short) ThreadLocalRandom.current().nextInt());
    this.subnet = ThreadLocalRandom.current().nextInt(256);
  }

  /** Links the machine's own namespace to the bridge too (see the class comment). */
  public NetnsLab withRootLink() {
    rootLink = true;
    return this;
  }

  // ---------------------------------------------------------------------------------------------
  // The network.

  public int hosts() {
    return hosts;
  }

  /** The address of the machine's own namespace on the bridge ({@link #withRootLink()}). */
  public String rootAddress() {
    return "10.231." + subnet + ".1";
  }

  /** {@code command} run inside host {@code i}. */
  public List<String> inHost(int i, List<String> command) {
    List<String> wrapped = new ArrayList<>(List.of("ip", "netns", "exec", host(i)));
    wrapped.addAll(command);
    return wrapped;
  }

  /**
   * Drops every packet host {@code from} sends to host {@code to}, from now until {@link #heal}.
   */
  public synchronized void cut(int from, int to) throws IOException {
    if (!cuts.add(List.of(from, to))) {
      return;
    }
    if (!filtered.contains(from)) {
      nft(from, "add", "table", "inet", CUTS);
      nft(from, "add", "chain", "inet", CUTS, "out", "{ type filter hook output priority 0 ; }");
      filtered.add(from);
    }
    nft(from, "add", "rule", "inet", CUTS, "out", "ip", "daddr", address(to), "drop");
  }

  private void nft(int host, String... args) throws IOException {
    List<String> command = new ArrayList<>(List.of("nft"));
    command.addAll(Arrays.asList(args));
    run(inHost(host, command).toArray(String[]::new));
  }

  /** The one-way cuts in force, as pairs (from, to). */
  public synchronized Set<List<Integer>> cuts() {
    return Set.copyOf(cuts);
  }

  /** Removes every cut. */
  public synchronized void heal() throws IOException {
    for (int host : List.copyOf(filtered)) {
      nft(host, "delete", "table", "inet", CUTS);
      filtered.remove(host);
    }
    cuts.clear();
  }

  /** The namespace of host {@code i}, from 1. */
  public String host(int i) {
    return prefix + "-h" + i;
  }

  public String bridge() {
    return prefix + "-br";
  }

  public String address(int i) {
    return "10.231." + subnet + "." + (10 + i);
  }

  public String subnetBroadcast() {
    return "10.231." + subnet + ".255";
  }

  /** A route to everywhere through the bridge, which 255.255.255.255 needs. */
  public void addDefaultRoute(int i) throws IOException {
    run("ip", "-n", host(i), "route", "replace", "default", "dev", "eth0");
  }

  /** How many packets host {@code i} has sent out of its eth0. */
  public long transmittedPackets(int i) throws IOException {
    String out = run("ip", "-n", host(i), "-s", "-o", "link", "show", "dev", "eth0");
    // One line: "... TX: bytes packets errors dropped carrier collsns \    <bytes> <packets> ..."
    Matcher m = Pattern.compile("TX:[^\\\\]*\\\\\\s+(\\d+)\\s+(\\d+)").matcher(out);
    if (!m.find()) {
      throw new IOException("cannot read the TX counters of " + host(i) + " from: " + out);
    }
    return Long.parseLong(m.group(2));
  }

  // ---------------------------------------------------------------------------------------------
  // Children.

  /** A child JVM in a host, running {@code mainClass} with this JVM's classpath. */
  public Child startJava(int host, Map<String, String> env, Class<?> mainClass, String... args)
      throws IOException {
    List<String> command = new ArrayList<>();
    command.addAll(
        List.of(
            "ip",
            "netns",
            "exec",
            host(host),
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-XX:TieredStopAtLevel=1",
            "-XX:+UseSerialGC",
            "-Xmx64m",
            "-cp",
            System.getProperty("java.class.path"),
            mainClass.getName()));
    command.addAll(Arrays.asList(args));
    ProcessBuilder builder = new ProcessBuilder(command);
    builder.environment().putAll(env);
    Child child = new Child(host(host), builder.start());
    children.add(child);
    return child;
  }

  /** A child process: its stdout as lines to wait for, its stderr kept for failure messages. */
  public static final class Child implements AutoCloseable {
    private final String where;
    private final Process process;
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private final StringBuffer stderr = new StringBuffer();
    private final OutputStream stdin;

    private Child(String where, Process process) {
      this.where = where;
      this.process = process;
      this.stdin = process.getOutputStream();
      pump(process.getInputStream(), lines::add);
      pump(process.getErrorStream(), line -> stderr.append(line).append('\n'));
    }

    private static void pump(InputStream stream, Consumer<String> sink) {
      Thread thread =
          new Thread(
              () -> {
                try (BufferedReader reader =
                    new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
                  for (String line; (line = reader.readLine()) != null; ) {
                    sink.accept(line);
                  }
                } catch (IOException e) {
                  // The child is gone; what it wrote so far is kept.
                }
              },
              "netns-child-output");
      thread.setDaemon(true);
      thread.start();
    }

    /** The next stdout line matching {@code match}; earlier lines are skipped. */
    public String awaitLine(Predicate<String> match, Duration timeout) throws InterruptedException {
      Instant deadline = Instant.now().plus(timeout);
      while (true) {
        long left = Duration.between(Instant.now(), deadline).toMillis();
        String line = left > 0 ? lines.poll(left, TimeUnit.MILLISECONDS) : null;
        if (line == null) {
          return fail(
              "no matching line from the child in "
                  + where
                  + " within "
                  + timeout
                  + (process.isAlive() ? "" : " (it exited with " + process.exitValue() + ")")
                  + "; its stderr:\n"
                  + stderr);
        }
        if (match.test(line)) {
          return line;
        }
      }
    }

    public String awaitLineStartingWith(String start, Duration timeout)
        throws InterruptedException {
      return awaitLine(line -> line.startsWith(start), timeout);
    }

    /** Sends one line to the child's stdin. */
    public void tell(String line) throws IOException {
      stdin.write((line + "\n").getBytes(StandardCharsets.UTF_8));
      stdin.flush();
    }

    public int awaitExit(Duration timeout) throws InterruptedException {
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        fail("the child in " + where + " did not exit within " + timeout + "; stderr:\n" + stderr);
      }
      return process.exitValue();
    }

    public String stderr() {
      return stderr.toString();
    }

    @Override
    public void close() {
      try {
        stdin.close();
      } catch (IOException e) {
        // Already gone.
      }
      process.destroy();
      try {
        if (!process.waitFor(5, TimeUnit.SECONDS)) {
          process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        process.destroyForcibly();
        Thread.currentThread().interrupt();
      }
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Set-up and tear-down.

  /** Skips the tests, saying why, where namespaces cannot be made (not root, no iproute2). */
  @Override
  public synchronized ConditionEvaluationResult evaluateExecutionCondition(
      ExtensionContext context) {
    if (unavailable == null) {
      unavailable = whyNamespacesDoNotWork();
      if (!unavailable.isEmpty()) {
        LOG.warning(unavailable);
      }
    }
    return unavailable.isEmpty()
        ? ConditionEvaluationResult.enabled("network namespaces work here")
        : ConditionEvaluationResult.disabled(unavailable);
  }

  @Override
  public void beforeAll(ExtensionContext context) throws Exception {
    deleteLeftoversOfDeadRuns();
    shutdownHook = new Thread(this::tearDown, "netns-lab-teardown");
    Runtime.getRuntime().addShutdownHook(shutdownHook);
    try {
      build();
    } catch (IOException | RuntimeException e) {
      tearDown();
      throw e;
    }
  }

  @Override
  public void afterAll(ExtensionContext context) {
    tearDown();
    if (shutdownHook != null) {
      try {
        Runtime.getRuntime().removeShutdownHook(shutdownHook);
      } catch (IllegalStateException e) {
        // Already shutting down: the hook runs anyway, and tearDown is idempotent.
      }
    }
    List<String> left = ourNamespaces();
    if (!left.isEmpty()) {
      fail("namespaces left behind after tear-down: " + left);
    }
  }

  private void build() throws IOException {
    run("ip", "netns", "add", bridge());
    quiet(bridge());
    run("ip", "-n", bridge(), "link", "add", "br0", "type", "bridge", "mcast_snooping", "0");
    run("ip", "-n", bridge(), "link", "set", "br0", "up");
    for (int i = 1; i <= hosts; i++) {
      String ns = host(i);
      String port = "h" + i;
      run("ip", "netns", "add", ns);
      quiet(ns);
      run(
          "ip", "-n", ns, "link", "add", "eth0", "type", "veth", "peer", "name", port, "netns",
          bridge());
      run("ip", "-n", bridge(), "link", "set", port, "master", "br0");
      run("ip", "-n", bridge(), "link", "set", port, "up");
      run("ip", "-n", ns, "addr", "add", address(i) + "/24", "brd", "+", "dev", "eth0");
      run("ip", "-n", ns, "link", "set", "eth0", "up");
    }
    if (rootLink) {
      linkRoot();
    }
    LOG.info(
        "network namespaces " + prefix + "-{br,h1..h" + hosts + "} on 10.231." + subnet + ".0/24");
  }

  /**
   * A veth from the machine's namespace to the bridge, IPv6 and ARP off before it is up, with
   * permanent neighbour entries both ways: the machine's side never sends a broadcast. Deleting the
   * bridge's namespace deletes it.
   */
  private void linkRoot() throws IOException {
    rootInterface = "spr" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
    run(
        "ip",
        "link",
        "add",
        rootInterface,
        "type",
        "veth",
        "peer",
        "name",
        "root",
        "netns",
        bridge());
    run("ip", "-n", bridge(), "link", "set", "root", "master", "br0");
    run("ip", "-n", bridge(), "link", "set", "root", "up");
    run(
        "sh",
        "-c",
        "[ ! -d /proc/sys/net/ipv6/conf/"
            + rootInterface
            + " ] || echo 1 > /proc/sys/net/ipv6/conf/"
            + rootInterface
            + "/disable_ipv6");
    run("ip", "link", "set", "dev", rootInterface, "arp", "off");
    run("ip", "addr", "add", rootAddress() + "/24", "dev", rootInterface);
    String rootMac = mac(List.of("ip", "-o", "link", "show", "dev", rootInterface));
    for (int i = 1; i <= hosts; i++) {
      String hostMac = mac(List.of("ip", "-n", host(i), "-o", "link", "show", "dev", "eth0"));
      run(
          "ip",
          "neigh",
          "replace",
          address(i),
          "lladdr",
          hostMac,
          "dev",
          rootInterface,
          "nud",
          "permanent");
      run(
          "ip",
          "-n",
          host(i),
          "neigh",
          "replace",
          rootAddress(),
          "lladdr",
          rootMac,
          "dev",
          "eth0",
          "nud",
          "permanent");
    }
    run("ip", "link", "set", "dev", rootInterface, "up");
  }

  private static String mac(List<String> linkShow) throws IOException {
    String out = run(linkShow.toArray(String[]::new));
    Matcher m = Pattern.compile("link/ether ([0-9a-f:]{17})").matcher(out);
    if (!m.find()) {
      throw new IOException("no MAC address in: " + out);
    }
    return m.group(1);
  }

  /** Loopback up, IPv6 off: the host sends nothing unless a test makes it. */
  private void quiet(String ns) throws IOException {
    run("ip", "-n", ns, "link", "set", "lo", "up");
    run(
        "ip",
        "netns",
        "exec",
        ns,
        "sh",
        "-c",
        "[ ! -d /proc/sys/net/ipv6 ] || { echo 1 > /proc/sys/net/ipv6/conf/all/disable_ipv6"
            + " && echo 1 > /proc/sys/net/ipv6/conf/default/disable_ipv6; }");
  }

  private synchronized void tearDown() {
    for (Child child : children) {
      child.close();
    }
    children.clear();
    cuts.clear();
    filtered.clear();
    if (rootInterface != null) {
      try {
        run("ip", "link", "delete", rootInterface);
      } catch (IOException e) {
        // Gone with the bridge's namespace already, or deleted below with it.
      }
      rootInterface = null;
    }
    for (String ns : ourNamespaces()) {
      killProcessesIn(ns);
      try {
        run("ip", "netns", "delete", ns);
      } catch (IOException e) {
        LOG.warning("cannot delete network namespace " + ns + ": " + e.getMessage());
      }
    }
  }

  /**
   * kill -9 of whatever still runs in {@code ns}: a process outlives the deletion of its namespace
   * (a test that failed before stopping its servers must not leave them running).
   */
  private static void killProcessesIn(String ns) {
    try {
      for (String pid : run("ip", "netns", "pids", ns).split("\\s+")) {
        if (!pid.isBlank()) {
          ProcessHandle.of(Long.parseLong(pid.trim())).ifPresent(ProcessHandle::destroyForcibly);
        }
      }
    } catch (IOException | RuntimeException e) {
      LOG.warning("cannot list or kill the processes in " + ns + ": " + e.getMessage());
    }
  }

  private List<String> ourNamespaces() {
    return namespaces().stream().filter(ns -> ns.startsWith(prefix + "-")).toList();
  }

  private static void deleteLeftoversOfDeadRuns() {
    for (String ns : namespaces()) {
      Matcher m = OURS.matcher(ns);
      if (m.matches() && ProcessHandle.of(Long.parseLong(m.group(1))).isEmpty()) {
        killProcessesIn(ns);
        try {
          run("ip", "netns", "delete", ns);
          LOG.info("deleted network namespace " + ns + " left by an earlier run");
        } catch (IOException e) {
          LOG.warning("cannot delete leftover network namespace " + ns + ": " + e.getMessage());
        }
      }
    }
  }

  private static List<String> namespaces() {
    try {
      List<String> names = new ArrayList<>();
      for (String line : run("ip", "netns", "list").split("\n")) {
        if (!line.isBlank()) {
          names.add(line.trim().split("\\s+")[0]);
        }
      }
      return names;
    } catch (IOException e) {
      LOG.warning("cannot list network namespaces: " + e.getMessage());
      return List.of();
    }
  }

  /** Empty if a namespace can be added and deleted here, else why not. */
  private String whyNamespacesDoNotWork() {
    try {
      String probe = prefix + "-probe";
      run("ip", "netns", "add", probe);
      run("ip", "netns", "delete", probe);
      return "";
    } catch (IOException e) {
      return "skipped: these tests need network namespaces, which need root and iproute2 ('ip"
          + " netns add' failed: "
          + e.getMessage()
          + ")";
    }
  }

  /** Runs a command; returns its stdout, or throws with its stderr if it fails. */
  public static String run(String... command) throws IOException {
    Process process;
    try {
      process = new ProcessBuilder(command).redirectErrorStream(false).start();
    } catch (IOException e) {
      throw new IOException(String.join(" ", command) + ": " + e.getMessage(), e);
    }
    try {
      byte[] out = process.getInputStream().readAllBytes();
      byte[] err = process.getErrorStream().readAllBytes();
      if (!process.waitFor(COMMAND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
        process.destroyForcibly();
        throw new IOException(String.join(" ", command) + ": no exit within " + COMMAND_TIMEOUT);
      }
      if (process.exitValue() != 0) {
        throw new IOException(
            String.join(" ", command)
                + " exited with "
                + process.exitValue()
                + ": "
                + new String(err, StandardCharsets.UTF_8).trim());
      }
      return new String(out, StandardCharsets.UTF_8);
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new IOException(String.join(" ", command) + ": interrupted", e);
    }
  }
}
