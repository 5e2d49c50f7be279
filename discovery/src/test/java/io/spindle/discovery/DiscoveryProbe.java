package io.spindle.discovery;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A discovery server or client in a process of its own, for tests that run it inside a network
 * namespace ({@code ip netns exec NS java -cp ... io.spindle.discovery.DiscoveryProbe ...}). It
 * talks to the test through stdout lines, and logs to stderr as any process would.
 *
 * <pre>
 * server [--mode=LAN|LOOPBACK] [--port=8888] [--multicast-port=10000] [--interface=eth0]
 *        [--queue=host:port]
 *   prints "READY &lt;unicast address&gt; &lt;multicast address&gt;", then
 *   "ANNOUNCED &lt;node id&gt; &lt;source ip&gt;" per answered request; reads commands from stdin:
 *   "stats" prints "STATS answered=&lt;n&gt; drops={REASON=n, ...}"; end of input stops the server.
 *
 * client --node=ID --raft=host:port [--mode=LAN|LOOPBACK] [--port] [--multicast-port]
 *        [--broadcast=true|false] [--broadcast-addresses=a,b] [--multicast=true|false]
 *        [--interface=eth0] [--timeout-ms=5000] [--retry-ms=100]
 *   prints "DISCOVERED queue=&lt;q&gt; leader=&lt;id&gt; members=&lt;n&gt;" and exits 0, or
 *   "TIMEOUT attempts=&lt;n&gt; &lt;message&gt;" and exits 3, or "ERROR &lt;message&gt;" and exits 4.
 * </pre>
 *
 * The cluster id and secret come from the environment ({@code SPINDLE_DISCOVERY_CLUSTER}, {@code
 * SPINDLE_DISCOVERY_SECRET}), not the command line, which other users of the machine can read.
 */
public final class DiscoveryProbe {
  private static final PrintStream OUT = System.out;

  private DiscoveryProbe() {}

  public static void main(String[] args) throws Exception {
    if (args.length == 0) {
      OUT.println("ERROR usage: DiscoveryProbe server|client [--key=value...]");
      System.exit(4);
    }
    try {
      Map<String, String> options = options(args);
      int status =
          switch (args[0]) {
            case "server" -> server(options);
            case "client" -> client(options);
            default -> throw new IllegalArgumentException("unknown role " + args[0]);
          };
      OUT.flush();
      System.exit(status);
    } catch (Exception e) {
      OUT.println("ERROR " + e);
      OUT.flush();
      System.exit(4);
    }
  }

  private static int server(Map<String, String> options) throws Exception {
    DiscoverySettings settings = settings(options).build();
    EdgeList edges =
        new EdgeList(
            HostPort.parse(options.getOrDefault("queue", "10.231.0.1:4000")),
            settings.clusterId(),
            List.of(
                new EdgeMember(
                    "n0",
                    HostPort.parse("10.231.0.1:7000"),
                    Optional.of(URI.create("http://10.231.0.1:3000")),
                    true)),
            Optional.of("n0"));
    try (DiscoveryServer server =
        DiscoveryServer.start(
            settings,
            () -> edges,
            (request, source) -> {
              synchronized (OUT) {
                OUT.println(
                    "ANNOUNCED " + request.nodeId() + " " + source.getAddress().getHostAddress());
                OUT.flush();
              }
            })) {
      synchronized (OUT) {
        OUT.println(
            "READY "
                + server.unicastAddress()
                + " "
                + server.multicastAddress().map(Object::toString).orElse("-"));
        OUT.flush();
      }
      BufferedReader in =
          new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
      for (String line; (line = in.readLine()) != null; ) {
        if (line.trim().equals("stats")) {
          synchronized (OUT) {
            OUT.println("STATS answered=" + server.answered() + " drops=" + server.drops());
            OUT.flush();
          }
        }
      }
    }
    return 0;
  }

  private static int client(Map<String, String> options) throws Exception {
    DiscoverySettings.Builder builder = settings(options);
    if (options.containsKey("broadcast")) {
      builder.broadcast(Boolean.parseBoolean(options.get("broadcast")));
    }
    if (options.containsKey("broadcast-addresses")) {
      List<InetAddress> addresses = new ArrayList<>();
      for (String address : options.get("broadcast-addresses").split(",")) {
        addresses.add(InetAddress.getByName(address));
      }
      builder.broadcastAddresses(addresses);
    }
    if (options.containsKey("multicast")) {
      builder.multicast(Boolean.parseBoolean(options.get("multicast")));
    }
    Duration retry = Duration.ofMillis(Long.parseLong(options.getOrDefault("retry-ms", "100")));
    builder.retry(retry, retry.multipliedBy(4));
    HostPort raft = HostPort.parse(required(options, "raft"));
    AddNodeRequest self =
        new AddNodeRequest(
            required(options, "node"), raft, URI.create("http://" + raft.host() + ":3000"), false);
    DiscoveryClient client = new DiscoveryClient(builder.build(), self);
    Duration timeout =
        Duration.ofMillis(Long.parseLong(options.getOrDefault("timeout-ms", "5000")));
    try {
      EdgeList edges = client.discover(timeout);
      OUT.println(
          "DISCOVERED queue="
              + edges.queueServer()
              + " leader="
              + edges.leaderId().orElse("-")
              + " members="
              + edges.members().size());
      return 0;
    } catch (DiscoveryTimeoutException e) {
      OUT.println("TIMEOUT attempts=" + e.attempts() + " " + e.getMessage());
      return 3;
    }
  }

  private static DiscoverySettings.Builder settings(Map<String, String> options) {
    String cluster = requiredEnv("SPINDLE_DISCOVERY_CLUSTER");
    byte[] secret = requiredEnv("SPINDLE_DISCOVERY_SECRET").getBytes(StandardCharsets.UTF_8);
    DiscoverySettings.Builder builder =
        DiscoverySettings.builder(cluster, secret)
            .mode(DiscoveryMode.valueOf(options.getOrDefault("mode", "LAN")));
    if (options.containsKey("port")) {
      builder.port(Integer.parseInt(options.get("port")));
    }
    if (options.containsKey("multicast-port")) {
      builder.multicastPort(Integer.parseInt(options.get("multicast-port")));
    }
    if (options.containsKey("interface")) {
      builder.interfaceName(options.get("interface"));
    }
    return builder;
  }

  private static Map<String, String> options(String[] args) {
    Map<String, String> options = new HashMap<>();
    for (int i = 1; i < args.length; i++) {
      String arg = args[i];
      int eq = arg.indexOf('=');
      if (!arg.startsWith("--") || eq < 0) {
        throw new IllegalArgumentException("expected --key=value, got " + arg);
      }
      options.put(arg.substring(2, eq), arg.substring(eq + 1));
    }
    return options;
  }

  private static String required(Map<String, String> options, String key) {
    String value = options.get(key);
    if (value == null) {
      throw new IllegalArgumentException("--" + key + " is required");
    }
    return value;
  }

  private static String requiredEnv(String name) {
    String value = System.getenv(name);
    if (value == null || value.isEmpty()) {
      throw new IllegalArgumentException("the environment variable " + name + " is not set");
    }
    return value;
  }
}
