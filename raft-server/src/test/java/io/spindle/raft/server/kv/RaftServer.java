package io.spindle.raft.server.kv;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import io.spindle.protocol.raft.ClientReply;
import io.spindle.protocol.raft.ClientRequest;
import io.spindle.protocol.tls.ClusterTls;
import io.spindle.raft.Member;
import io.spindle.raft.NodeId;
import io.spindle.raft.message.Message;
import io.spindle.raft.server.Applied;
import io.spindle.raft.server.BusyException;
import io.spindle.raft.server.DurableRaftStorage;
import io.spindle.raft.server.NettyPeerMessenger;
import io.spindle.raft.server.NotLeaderException;
import io.spindle.raft.server.RaftDriver;
import io.spindle.raft.server.RaftNodeSettings;
import io.spindle.raft.server.RaftStatus;
import io.spindle.raft.server.transport.InboundHandler;
import io.spindle.raft.server.transport.NettyRaftTransport;
import io.spindle.raft.server.transport.RaftTransport;
import io.spindle.raft.server.transport.RaftTransportSettings;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One stand-alone Raft node process: Netty transport, durable log in a data directory and the
 * {@link KeyValueStateMachine}. Clients talk to it on the same port as its peers; a write is
 * proposed, a read is served linearizably; a follower answers {@code NOT_LEADER} with the leader's
 * {@code host:port}.
 *
 * <pre>
 * SPINDLE_SECRET=... java io.spindle.raft.server.kv.RaftServer --id n1 --listen 127.0.0.1:7001 \
 *     --peers n1=127.0.0.1:7001,n2=127.0.0.1:7002,n3=127.0.0.1:7003 --data /var/lib/spindle/n1
 * </pre>
 *
 * Standard output carries exactly one line, {@code READY <port>}, once the node listens: the signal
 * a parent process waits for. Everything else goes to java.util.logging (standard error). The
 * process exits 0 on SIGTERM (after handing over leadership), 1 if the node fails, 2 on bad usage.
 */
public final class RaftServer implements InboundHandler, AutoCloseable {
  private static final Logger LOG = Logger.getLogger(RaftServer.class.getName());
  static final String SECRET_ENV = "SPINDLE_SECRET";
  public static final String LOG_FORMAT = "%1$tT.%1$tL %4$s [%3$s] %5$s%6$s%n";

  private final Options options;
  private final DurableRaftStorage storage;
  private final KeyValueStateMachine stateMachine = new KeyValueStateMachine();
  private final RaftTransport transport;
  private volatile RaftDriver driver;

  /** What a server runs with; see {@link #parse} for the flags. */
  public record Options(
      NodeId id,
      InetSocketAddress listen,
      List<Member> members,
      Path dataDir,
      Duration tickPeriod,
      int electionTicks,
      int heartbeatTicks,
      long snapshotEveryEntries,
      long snapshotEveryBytes,
      Path tlsDir) {

    public RaftNodeSettings settings() {
      RaftNodeSettings defaults = RaftNodeSettings.defaults(id, members);
      return defaults
          .withTickPeriod(tickPeriod)
          .withRaft(defaults.raft().withElectionTicks(electionTicks, heartbeatTicks))
          .withSnapshots(
              snapshotEveryEntries, snapshotEveryBytes, defaults.keepEntriesAfterSnapshot());
    }
  }

  private RaftServer(Options options, byte[] secret) throws java.io.IOException {
    this.options = options;
    this.storage = DurableRaftStorage.open(options.dataDir());
    Path tls = options.tlsDir();
    String id = options.id().value();
    this.transport =
        new NettyRaftTransport(
            options.id(),
            options.listen(),
            secret,
            RaftTransportSettings.defaults(),
            tls == null
                ? null
                : ClusterTls.server(
                    tls.resolve("ca.pem"), tls.resolve(id + ".pem"), tls.resolve(id + "-key.pem")),
            namedThreads("raft-net-" + options.id() + "-", true));
  }

  /** Opens the data directory, binds the port and starts the node. */
  public static RaftServer start(Options options, byte[] secret)
      throws InterruptedException, java.io.IOException {
    RaftServer server = new RaftServer(options, secret);
    try {
      server.transport.start(server);
      server.driver =
          RaftDriver.start(
              options.settings(),
              server.storage,
              server.stateMachine,
              new NettyPeerMessenger(options.id(), server.transport),
              namedThreads("raft-driver-" + options.id(), false));
    } catch (RuntimeException | InterruptedException e) {
      server.close();
      throw e;
    }
    return server;
  }

  public int port() {
    return transport.localAddress().getPort();
  }

  public RaftDriver driver() {
    return driver;
  }

  @Override
  public void onMessage(Message message) {
    RaftDriver d = driver;
    if (d != null) {
      d.deliver(message);
    }
  }

  @Override
  public void onClientRequest(ClientRequest request, Consumer<ClientReply> reply) {
    RaftDriver d = driver;
    long requestId = request.getRequestId();
    if (d == null) {
      reply.accept(refusal(requestId, ClientReply.Status.BUSY, "the node is starting", ""));
      return;
    }
    byte[] payload = request.getCommand().toByteArray();
    if (request.getRead()) {
      d.read(payload)
          .whenComplete(
              (value, error) ->
                  reply.accept(
                      error == null ? success(requestId, 0, value) : failure(requestId, error)));
    } else {
      d.submit(payload)
          .whenComplete(
              (Applied applied, Throwable error) ->
                  reply.accept(
                      error == null
                          ? success(requestId, applied.index(), applied.result())
                          : failure(requestId, error)));
    }
  }

  private static ClientReply success(long requestId, long index, byte[] result) {
    return ClientReply.newBuilder()
        .setRequestId(requestId)
        .setStatus(ClientReply.Status.OK)
        .setIndex(index)
        .setResult(result.length == 0 ? ByteString.EMPTY : UnsafeByteOperations.unsafeWrap(result))
        .build();
  }

  private ClientReply failure(long requestId, Throwable error) {
    Throwable cause =
        error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
    if (cause instanceof NotLeaderException notLeader) {
      return refusal(
          requestId,
          ClientReply.Status.NOT_LEADER,
          cause.getMessage(),
          addressOf(notLeader.leaderHint()));
    }
    if (cause instanceof BusyException) {
      return refusal(requestId, ClientReply.Status.BUSY, cause.getMessage(), "");
    }
    return refusal(requestId, ClientReply.Status.ERROR, String.valueOf(cause.getMessage()), "");
  }

  private String addressOf(Optional<NodeId> leader) {
    if (leader.isEmpty()) {
      return "";
    }
    RaftStatus status = driver.status();
    return status.configuration().member(leader.get()).map(Member::address).orElse("");
  }

  private static ClientReply refusal(
      long requestId, ClientReply.Status status, String error, String leaderHint) {
    return ClientReply.newBuilder()
        .setRequestId(requestId)
        .setStatus(status)
        .setError(error)
        .setLeaderHint(leaderHint)
        .build();
  }

  /** Hands over leadership if leader, stops the node, then the transport and the storage. */
  @Override
  public synchronized void close() {
    RaftDriver d = driver;
    if (d != null) {
      d.close();
    }
    transport.close();
    storage.close();
  }

  static ThreadFactory namedThreads(String prefix, boolean numbered) {
    AtomicInteger counter = new AtomicInteger();
    return runnable -> {
      Thread t = new Thread(runnable, numbered ? prefix + counter.incrementAndGet() : prefix);
      t.setDaemon(false);
      return t;
    };
  }

  // ---------------------------------------------------------------- command line

  /**
   * Parses {@code --id ID --listen HOST:PORT --peers ID=HOST:PORT,... --data DIR} and the optional
   * {@code --tick-ms 10 --election-ticks 10 --heartbeat-ticks 1 --snapshot-entries 100000
   * --snapshot-bytes 1073741824}.
   *
   * @throws IllegalArgumentException with a message that says which flag is wrong
   */
  public static Options parse(String... args) {
    Map<String, String> flags = new LinkedHashMap<>();
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      if (!arg.startsWith("--")) {
        throw new IllegalArgumentException("unexpected argument '" + arg + "'");
      }
      String name = arg.substring(2);
      String value;
      int eq = name.indexOf('=');
      if (eq >= 0) {
        value = name.substring(eq + 1);
        name = name.substring(0, eq);
      } else if (i + 1 < args.length) {
        value = args[++i];
      } else {
        throw new IllegalArgumentException("--" + name + " needs a value");
      }
      flags.put(name, value);
    }
    NodeId id = NodeId.of(required(flags, "id"));
    InetSocketAddress listen = NettyPeerMessenger.parseAddress(required(flags, "listen"));
    List<Member> members = new ArrayList<>();
    for (String peer : required(flags, "peers").split(",")) {
      int eq = peer.indexOf('=');
      if (eq <= 0) {
        throw new IllegalArgumentException("--peers wants id=host:port,..., got '" + peer + "'");
      }
      String address = peer.substring(eq + 1).trim();
      NettyPeerMessenger.parseAddress(address);
      members.add(Member.of(peer.substring(0, eq).trim(), address));
    }
    if (members.stream().noneMatch(m -> m.id().equals(id))) {
      members.add(new Member(id, required(flags, "listen")));
    }
    Options options =
        new Options(
            id,
            listen,
            members,
            Path.of(required(flags, "data")),
            Duration.ofMillis(number(flags, "tick-ms", 10)),
            (int) number(flags, "election-ticks", 10),
            (int) number(flags, "heartbeat-ticks", 1),
            number(flags, "snapshot-entries", 100_000),
            number(flags, "snapshot-bytes", 1L << 30),
            flags.containsKey("tls-dir") ? Path.of(flags.get("tls-dir")) : null);
    flags
        .keySet()
        .removeAll(
            List.of(
                "id",
                "listen",
                "peers",
                "data",
                "tick-ms",
                "election-ticks",
                "heartbeat-ticks",
                "snapshot-entries",
                "snapshot-bytes",
                "tls-dir"));
    if (!flags.isEmpty()) {
      throw new IllegalArgumentException("unknown flags " + flags.keySet());
    }
    return options;
  }

  private static String required(Map<String, String> flags, String name) {
    String value = flags.get(name);
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException("--" + name + " is required");
    }
    return value;
  }

  private static long number(Map<String, String> flags, String name, long fallback) {
    String value = flags.get(name);
    if (value == null) {
      return fallback;
    }
    try {
      return Long.parseLong(value.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("--" + name + " wants a number, got '" + value + "'");
    }
  }

  public static void main(String[] args) {
    if (System.getProperty("java.util.logging.SimpleFormatter.format") == null) {
      System.setProperty("java.util.logging.SimpleFormatter.format", LOG_FORMAT);
    }
    Options options;
    try {
      options = parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println(
          "RaftServer: "
              + e.getMessage()
              + "\nusage: RaftServer --id ID --listen HOST:PORT --peers ID=HOST:PORT,..."
              + " --data DIR [--tick-ms N] [--election-ticks N] [--heartbeat-ticks N]"
              + " [--snapshot-entries N] [--snapshot-bytes N] [--tls-dir DIR]   (secret in $"
              + SECRET_ENV
              + ")");
      System.exit(2);
      return;
    }
    String secret = System.getenv(SECRET_ENV);
    if (secret == null || secret.isEmpty()) {
      System.err.println("RaftServer: set the cluster secret in $" + SECRET_ENV);
      System.exit(2);
      return;
    }
    RaftServer server;
    try {
      Files.createDirectories(options.dataDir());
      server = start(options, secret.getBytes(StandardCharsets.UTF_8));
    } catch (Exception e) {
      LOG.log(Level.SEVERE, "Raft node " + options.id() + " could not start: " + e.getMessage(), e);
      System.exit(1);
      return;
    }
    Runtime.getRuntime()
        .addShutdownHook(new Thread(server::close, "raft-shutdown-" + options.id()));
    LOG.info(
        () ->
            "Raft node "
                + options.id()
                + " listens on "
                + options.listen()
                + " with data in "
                + options.dataDir()
                + "; members "
                + options.members());
    System.out.println("READY " + server.port());
    System.out.flush();
    try {
      server.driver.terminated().join();
    } catch (CompletionException e) {
      // Already logged SEVERE by the driver.
      System.exit(1);
    }
  }
}
