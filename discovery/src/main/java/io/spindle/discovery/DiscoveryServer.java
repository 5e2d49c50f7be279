package io.spindle.discovery;

import io.spindle.discovery.DatagramAuthenticator.Accepted;
import io.spindle.discovery.DatagramAuthenticator.Signed;
import io.spindle.discovery.DatagramAuthenticator.Verification;
import io.spindle.protocol.discovery.DiscoveryBody;
import java.io.Closeable;
import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The queue server's discovery server: listens for {@code Add_Node_Request}s on the unicast and
 * broadcast port (default UDP 8888) and on the multicast group (default 239.0.0.1:10000), answers
 * each authentic one with the {@link EdgeList} its {@link EdgeListSource} gives, by unicast from
 * the port to the request's source address, and then tells its {@link AnnouncementListener}.
 *
 * <p>In LAN mode it binds every address and joins the group on the configured interface, or on
 * every interface up that can multicast; in LOOPBACK mode it binds 127.0.0.1, joins the group on
 * the loopback interface only and drops anything from outside the machine.
 *
 * <p>One daemon thread, {@code spindle-discovery-server}, receives, verifies, answers and calls the
 * listener; {@link #close()} stops it and releases the ports. Start it with {@link #start}.
 */
public final class DiscoveryServer implements Closeable {
  private static final Logger LOG = Logger.getLogger(DiscoveryServer.class.getName());
  private static final int REMEMBERED_NODES = 1024;

  /** What the server answers with. */
  @FunctionalInterface
  public interface EdgeListSource {
    /**
     * The cluster's edges now. Called on the server's thread for every authentic request, so it
     * must return quickly from state at hand, not ask the network. Its cluster id must be the
     * server's. If it throws, the request goes unanswered (the node asks again) and the exception
     * is logged.
     */
    EdgeList current();
  }

  /** Who hears of announced nodes (the queue server, which forwards joins to the leader). */
  @FunctionalInterface
  public interface AnnouncementListener {
    /**
     * A node announced itself and was answered. Called on the server's thread, after the answer is
     * sent, once per authentic request: a node's retries, and copies of one announcement that
     * arrived by broadcast and by multicast, each call it again, so what it does must be
     * idempotent. It must not block; hand work to another thread. An exception is logged.
     */
    void announced(AddNodeRequest request, InetSocketAddress source);
  }

  private final DiscoverySettings settings;
  private final DatagramAuthenticator authenticator;
  private final EdgeListSource edges;
  private final AnnouncementListener listener;
  private final Selector selector;
  private final DatagramChannel unicast;
  private final DatagramChannel multicast;
  private final Thread thread;
  private final AtomicLong answered = new AtomicLong();
  private final Map<String, AddNodeRequest> lastAnnouncement =
      new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, AddNodeRequest> eldest) {
          return size() > REMEMBERED_NODES;
        }
      };
  private volatile boolean closed;

  /**
   * Binds the ports, joins the group and starts answering.
   *
   * @throws IOException if a port cannot be bound or the configured interface is missing; the
   *     message says which and what to change
   */
  public static DiscoveryServer start(
      DiscoverySettings settings, EdgeListSource edges, AnnouncementListener listener)
      throws IOException {
    return start(
        settings,
        DatagramAuthenticator.forSide(
            "discovery server", settings, Clock.systemUTC(), NonceSource.secureRandom()),
        edges,
        listener);
  }

  /** With an authenticator of the caller's (tests: a manual clock). */
  static DiscoveryServer start(
      DiscoverySettings settings,
      DatagramAuthenticator authenticator,
      EdgeListSource edges,
      AnnouncementListener listener)
      throws IOException {
    Objects.requireNonNull(settings, "settings");
    Objects.requireNonNull(authenticator, "authenticator");
    Objects.requireNonNull(edges, "edges");
    Objects.requireNonNull(listener, "listener");
    if (settings.secretShorterThanRecommended()) {
      LOG.warning(
          "the cluster secret is shorter than "
              + DiscoverySettings.RECOMMENDED_MIN_SECRET_BYTES
              + " bytes: anyone who captures a discovery datagram can guess it offline");
    }
    Selector selector = Selector.open();
    List<DatagramChannel> opened = new ArrayList<>();
    try {
      DatagramChannel unicast = openUnicast(settings);
      opened.add(unicast);
      DatagramChannel multicast = settings.multicast() ? openMulticast(settings) : null;
      if (multicast != null) {
        opened.add(multicast);
      }
      for (DatagramChannel channel : opened) {
        channel.configureBlocking(false);
        channel.register(selector, SelectionKey.OP_READ);
      }
      DiscoveryServer server =
          new DiscoveryServer(
              settings, authenticator, edges, listener, selector, unicast, multicast);
      server.thread.start();
      LOG.info(
          "discovery server for cluster '"
              + settings.clusterId()
              + "' ("
              + settings.mode()
              + ") listening on "
              + server.unicastAddress()
              + server.multicastAddress().map(a -> " and multicast " + a).orElse(""));
      return server;
    } catch (IOException | RuntimeException e) {
      for (DatagramChannel channel : opened) {
        closeQuietly(channel);
      }
      closeQuietly(selector);
      throw e;
    }
  }

  private DiscoveryServer(
      DiscoverySettings settings,
      DatagramAuthenticator authenticator,
      EdgeListSource edges,
      AnnouncementListener listener,
      Selector selector,
      DatagramChannel unicast,
      DatagramChannel multicast) {
    this.settings = settings;
    this.authenticator = authenticator;
    this.edges = edges;
    this.listener = listener;
    this.selector = selector;
    this.unicast = unicast;
    this.multicast = multicast;
    this.thread = new Thread(this::run, "spindle-discovery-server");
    this.thread.setDaemon(true);
  }

  /** The bound unicast and broadcast address (with the real port when 0 was configured). */
  public InetSocketAddress unicastAddress() {
    return localAddress(unicast);
  }

  /** The group and the bound port, unless multicast is off. */
  public Optional<InetSocketAddress> multicastAddress() {
    if (multicast == null) {
      return Optional.empty();
    }
    return Optional.of(
        new InetSocketAddress(settings.multicastGroup(), localAddress(multicast).getPort()));
  }

  /** How many requests were answered. */
  public long answered() {
    return answered.get();
  }

  /** How many datagrams were dropped, by reason. */
  public Map<DropReason, Long> drops() {
    return authenticator.drops();
  }

  /** Stops answering and releases the ports; waits for the server's thread. Idempotent. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    selector.wakeup();
    if (Thread.currentThread() != thread) {
      try {
        thread.join(5_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    closeQuietly(unicast);
    if (multicast != null) {
      closeQuietly(multicast);
    }
    closeQuietly(selector);
    LOG.info("discovery server for cluster '" + settings.clusterId() + "' stopped");
  }

  private void run() {
    ByteBuffer buffer = ByteBuffer.allocate(DatagramAuthenticator.MAX_DATAGRAM_BYTES + 1);
    try {
      while (!closed) {
        selector.select();
        Iterator<SelectionKey> keys = selector.selectedKeys().iterator();
        while (keys.hasNext()) {
          DatagramChannel channel = (DatagramChannel) keys.next().channel();
          keys.remove();
          drain(channel, buffer);
        }
      }
    } catch (IOException | ClosedSelectorException e) {
      if (!closed) {
        LOG.log(Level.SEVERE, "the discovery server stopped: " + e.getMessage(), e);
      }
    } catch (RuntimeException e) {
      LOG.log(Level.SEVERE, "the discovery server stopped on an unexpected error", e);
    }
  }

  private void drain(DatagramChannel channel, ByteBuffer buffer) throws IOException {
    while (!closed) {
      buffer.clear();
      SocketAddress source = channel.receive(buffer);
      if (source == null) {
        return;
      }
      onDatagram(buffer.array(), buffer.position(), (InetSocketAddress) source);
    }
  }

  private void onDatagram(byte[] bytes, int length, InetSocketAddress source) {
    if (settings.mode() == DiscoveryMode.LOOPBACK && !source.getAddress().isLoopbackAddress()) {
      authenticator.drop(source, DropReason.NOT_LOOPBACK, "");
      return;
    }
    Verification verification = authenticator.verify(bytes, length, source);
    if (!(verification instanceof Accepted accepted)) {
      return;
    }
    if (accepted.body().getMessageCase() != DiscoveryBody.MessageCase.ADD_NODE_REQUEST) {
      authenticator.drop(
          source, DropReason.UNEXPECTED, "a " + accepted.body().getMessageCase() + " message");
      return;
    }
    AddNodeRequest request;
    try {
      request = DiscoveryMessages.request(accepted.body().getAddNodeRequest());
    } catch (IllegalArgumentException e) {
      authenticator.drop(source, DropReason.BAD_BODY, e.getMessage());
      return;
    }
    if (answer(request, accepted.nonce(), source)) {
      answered.incrementAndGet();
      logAnnouncement(request, source);
      try {
        listener.announced(request, source);
      } catch (RuntimeException e) {
        LOG.log(Level.WARNING, "the announcement listener failed on node " + request.nodeId(), e);
      }
    }
  }

  private boolean answer(AddNodeRequest request, byte[] nonce, InetSocketAddress source) {
    EdgeList current;
    try {
      current = edges.current();
    } catch (RuntimeException e) {
      LOG.log(
          Level.WARNING,
          "no edge list to answer node " + request.nodeId() + " at " + source + " with",
          e);
      return false;
    }
    if (current == null || !current.clusterId().equals(settings.clusterId())) {
      LOG.warning(
          "the edge list source gave "
              + (current == null ? "nothing" : "cluster '" + current.clusterId() + "'")
              + " instead of cluster '"
              + settings.clusterId()
              + "'; node "
              + request.nodeId()
              + " is not answered");
      return false;
    }
    Signed reply;
    try {
      reply = authenticator.sign(DiscoveryMessages.body(current, nonce));
    } catch (IllegalArgumentException e) {
      LOG.warning(
          "cannot answer node "
              + request.nodeId()
              + ": "
              + e.getMessage()
              + " ("
              + current.members().size()
              + " members)");
      return false;
    }
    try {
      unicast.send(ByteBuffer.wrap(reply.bytes()), source);
      return true;
    } catch (IOException e) {
      LOG.warning(
          "cannot answer node " + request.nodeId() + " at " + source + ": " + e.getMessage());
      return false;
    }
  }

  private void logAnnouncement(AddNodeRequest request, InetSocketAddress source) {
    AddNodeRequest previous = lastAnnouncement.put(request.nodeId(), request);
    String line =
        "node "
            + request.nodeId()
            + " (raft "
            + request.raftAddress()
            + ", http "
            + request.httpUrl()
            + (request.hasData() ? ", has data" : ", new")
            + ") announced itself from "
            + source
            + " and was sent the edge list";
    LOG.log(request.equals(previous) ? Level.FINE : Level.INFO, line);
  }

  private static DatagramChannel openUnicast(DiscoverySettings settings) throws IOException {
    InetSocketAddress bind =
        settings.mode() == DiscoveryMode.LOOPBACK
            ? new InetSocketAddress(InetAddress.getLoopbackAddress(), settings.port())
            : new InetSocketAddress(settings.port());
    DatagramChannel channel = DatagramChannel.open(StandardProtocolFamily.INET);
    try {
      // No SO_REUSEADDR: a second server on the port must fail here, not share its requests.
      channel.bind(bind);
      return channel;
    } catch (IOException e) {
      closeQuietly(channel);
      throw bindFailure("the discovery port", bind, e);
    }
  }

  private static DatagramChannel openMulticast(DiscoverySettings settings) throws IOException {
    List<NetworkInterface> interfaces =
        settings.mode() == DiscoveryMode.LOOPBACK
            ? List.of(NetworkInterfaces.loopback())
            : NetworkInterfaces.forMulticast(settings.interfaceName());
    if (interfaces.isEmpty()) {
      LOG.warning(
          "no network interface that can multicast is up: the discovery server listens for"
              + " broadcast and unicast only");
      return null;
    }
    DatagramChannel channel = DatagramChannel.open(StandardProtocolFamily.INET);
    try {
      channel.setOption(StandardSocketOptions.SO_REUSEADDR, true);
      bindGroup(channel, settings);
      int joined = 0;
      for (NetworkInterface nif : interfaces) {
        try {
          channel.join(settings.multicastGroup(), nif);
          joined++;
        } catch (IOException e) {
          LOG.warning(
              "cannot join multicast group "
                  + settings.multicastGroup().getHostAddress()
                  + " on "
                  + nif.getName()
                  + ": "
                  + e.getMessage());
        }
      }
      if (joined == 0) {
        throw new IOException(
            "cannot join multicast group "
                + settings.multicastGroup().getHostAddress()
                + " on any of "
                + interfaces.stream().map(NetworkInterface::getName).toList()
                + "; name a working interface, or turn discovery multicast off");
      }
      return channel;
    } catch (IOException | RuntimeException e) {
      closeQuietly(channel);
      throw e;
    }
  }

  /**
   * Binds the group's address where the OS allows it (Linux), so that the socket receives only this
   * group's datagrams and not those of every group joined on the host at the same port.
   */
  private static void bindGroup(DatagramChannel channel, DiscoverySettings settings)
      throws IOException {
    InetSocketAddress group = settings.multicastTarget();
    try {
      channel.bind(group);
    } catch (IOException e) {
      InetSocketAddress any = new InetSocketAddress(settings.multicastPort());
      try {
        channel.bind(any);
      } catch (IOException again) {
        throw bindFailure("the discovery multicast port", any, again);
      }
    }
  }

  private static IOException bindFailure(String what, InetSocketAddress bind, IOException e) {
    String hint =
        e instanceof BindException
            ? "; is another queue server running here? Configure another discovery port"
            : "";
    return new IOException("cannot bind " + what + " " + bind + ": " + e.getMessage() + hint, e);
  }

  private static InetSocketAddress localAddress(DatagramChannel channel) {
    try {
      return (InetSocketAddress) channel.getLocalAddress();
    } catch (IOException e) {
      throw new IllegalStateException("the discovery server is closed", e);
    }
  }

  private static void closeQuietly(Closeable closeable) {
    try {
      closeable.close();
    } catch (IOException e) {
      LOG.log(Level.FINE, "closing " + closeable, e);
    }
  }
}
