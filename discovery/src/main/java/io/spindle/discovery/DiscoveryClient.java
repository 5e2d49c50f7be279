package io.spindle.discovery;

import io.spindle.discovery.DatagramAuthenticator.Accepted;
import io.spindle.discovery.DatagramAuthenticator.Signed;
import io.spindle.discovery.DatagramAuthenticator.Verification;
import io.spindle.protocol.discovery.DiscoveryBody;
import io.spindle.protocol.discovery.EdgeListProto;
import io.spindle.wire.Backoff;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.LongUnaryOperator;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Collectors;

/**
 * A node's side of discovery: announces the node with an {@code Add_Node_Request} to every target
 * its settings allow, again and again with exponential back-off and jitter, until an authentic
 * {@link EdgeList} answering one of those announcements arrives, or the deadline passes.
 *
 * <p>Targets, recomputed for every announcement (interfaces may come up meanwhile):
 *
 * <ul>
 *   <li>LAN: UDP {@code port} at 255.255.255.255 and at each interface's broadcast address (or the
 *       configured broadcast addresses), the multicast group through each interface that can
 *       multicast (or the configured one) with the configured TTL, and any unicast targets;
 *   <li>LOOPBACK: the multicast group through the loopback interface with TTL 0, and 127.0.0.1 at
 *       {@code port} (or the configured loopback targets). Nothing leaves the machine.
 * </ul>
 *
 * Every datagram carries its own nonce, so copies that reach the server by several paths are not
 * taken for replays; an edge list is accepted only if it answers one of them. A target that cannot
 * be sent to (no route: "network unreachable") is logged once per discovery and the others are
 * still tried.
 *
 * <p>{@link #discover} blocks its caller and is called by one thread at a time; {@link #status} may
 * be called from any thread.
 */
public final class DiscoveryClient {
  private static final Logger LOG = Logger.getLogger(DiscoveryClient.class.getName());

  private final DiscoverySettings settings;
  private final AddNodeRequest self;
  private final DatagramAuthenticator authenticator;
  private final LongUnaryOperator random;
  private volatile DiscoveryStatus status =
      new DiscoveryStatus(DiscoveryStatus.State.NOT_STARTED, 0, "discovery has not started");

  /**
   * @param settings where to announce, and the cluster's id and secret
   * @param self what to announce
   * @throws IllegalArgumentException if the settings leave nowhere to announce to
   */
  public DiscoveryClient(DiscoverySettings settings, AddNodeRequest self) {
    this(
        settings,
        self,
        DatagramAuthenticator.forSide(
            "discovery client", settings, Clock.systemUTC(), NonceSource.secureRandom()),
        bound -> ThreadLocalRandom.current().nextLong(bound));
  }

  /** With an authenticator and a jitter source of the caller's (tests). */
  DiscoveryClient(
      DiscoverySettings settings,
      AddNodeRequest self,
      DatagramAuthenticator authenticator,
      LongUnaryOperator random) {
    this.settings = Objects.requireNonNull(settings, "settings");
    this.self = Objects.requireNonNull(self, "self");
    this.authenticator = Objects.requireNonNull(authenticator, "authenticator");
    this.random = Objects.requireNonNull(random, "random");
    if (settings.multicast() && settings.multicastPort() == 0) {
      throw new IllegalArgumentException(
          "a discovery client needs the server's multicast port, not 0");
    }
    if (settings.broadcast() && settings.port() == 0) {
      throw new IllegalArgumentException("a discovery client needs the server's port, not 0");
    }
    if (!settings.broadcast() && !settings.multicast() && settings.unicastTargets().isEmpty()) {
      throw new IllegalArgumentException(
          "discovery has nowhere to announce to: broadcast and multicast are off and there are no"
              + " unicast targets");
    }
    if (settings.secretShorterThanRecommended()) {
      LOG.warning(
          "the cluster secret is shorter than "
              + DiscoverySettings.RECOMMENDED_MIN_SECRET_BYTES
              + " bytes: anyone who captures a discovery datagram can guess it offline");
    }
  }

  /** Where discovery stands; safe from any thread. */
  public DiscoveryStatus status() {
    return status;
  }

  /** How many datagrams were dropped, by reason (forged or replayed edge lists, say). */
  public Map<DropReason, Long> drops() {
    return authenticator.drops();
  }

  /**
   * Announces this node until the discovery server answers.
   *
   * @param timeout how long to keep announcing
   * @return the cluster's edges, from an authentic answer to one of this call's announcements
   * @throws DiscoveryTimeoutException if no answer came in time; says what was tried
   * @throws IOException if no socket could be opened or a configured interface is missing
   * @throws InterruptedException if the calling thread was interrupted; the socket is closed
   */
  public synchronized EdgeList discover(Duration timeout) throws IOException, InterruptedException {
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("the discovery timeout must be positive: " + timeout);
    }
    long deadline = System.nanoTime() + timeout.toNanos();
    Set<String> sentNonces = new HashSet<>();
    Map<String, String> unreachable = new LinkedHashMap<>();
    Backoff backoff = new Backoff(settings.retryInitial(), settings.retryMax(), random);
    int attempts = 0;
    List<String> lastTargets = List.of();
    try (DatagramChannel channel = openChannel();
        Selector selector = Selector.open()) {
      channel.register(selector, SelectionKey.OP_READ);
      ByteBuffer buffer = ByteBuffer.allocate(DatagramAuthenticator.MAX_DATAGRAM_BYTES + 1);
      long nextAnnouncement = System.nanoTime();
      while (true) {
        long now = System.nanoTime();
        if (now - deadline >= 0) {
          throw timedOut(timeout, attempts, lastTargets, unreachable);
        }
        if (now - nextAnnouncement >= 0) {
          attempts++;
          lastTargets = announce(channel, sentNonces, unreachable);
          Duration wait = backoff.next();
          nextAnnouncement = now + wait.toNanos();
          reportWaiting(attempts, lastTargets, unreachable, wait);
        }
        long waitNanos = Math.min(nextAnnouncement, deadline) - System.nanoTime();
        long waitMillis = Math.max(1, TimeUnit.NANOSECONDS.toMillis(waitNanos));
        selector.select(waitMillis);
        if (Thread.interrupted()) {
          throw interrupted(attempts);
        }
        selector.selectedKeys().clear();
        Optional<EdgeList> found = receive(channel, buffer, sentNonces);
        if (found.isPresent()) {
          EdgeList edges = found.get();
          status = new DiscoveryStatus(DiscoveryStatus.State.DISCOVERED, attempts, describe(edges));
          LOG.info(describe(edges) + " after " + attempts + " announcements");
          return edges;
        }
      }
    } catch (ClosedByInterruptException e) {
      // Interrupted during a send: the channel closed itself.
      throw interrupted(attempts);
    } catch (IOException | RuntimeException e) {
      if (!(e instanceof DiscoveryTimeoutException)) {
        status =
            new DiscoveryStatus(
                DiscoveryStatus.State.FAILED, attempts, "discovery failed: " + e.getMessage());
      }
      throw e;
    }
  }

  private InterruptedException interrupted(int attempts) {
    String message = "discovery was interrupted after " + attempts + " announcements";
    status = new DiscoveryStatus(DiscoveryStatus.State.FAILED, attempts, message);
    return new InterruptedException(message);
  }

  private DatagramChannel openChannel() throws IOException {
    DatagramChannel channel = DatagramChannel.open(StandardProtocolFamily.INET);
    try {
      if (settings.mode() == DiscoveryMode.LOOPBACK) {
        channel.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        channel.setOption(StandardSocketOptions.IP_MULTICAST_IF, NetworkInterfaces.loopback());
        channel.setOption(StandardSocketOptions.IP_MULTICAST_TTL, 0);
      } else {
        channel.bind(new InetSocketAddress(0));
        channel.setOption(StandardSocketOptions.SO_BROADCAST, settings.broadcast());
        channel.setOption(StandardSocketOptions.IP_MULTICAST_TTL, settings.multicastTtl());
      }
      // A server on this host hears a multicast through the interface it was sent from.
      channel.setOption(StandardSocketOptions.IP_MULTICAST_LOOP, true);
      channel.configureBlocking(false);
      return channel;
    } catch (IOException | RuntimeException e) {
      channel.close();
      throw e;
    }
  }

  /**
   * One datagram, freshly signed, to each target; returns the targets it went to, and keeps those
   * it could not be sent to in {@code unreachable} (a failure is logged when it first occurs).
   */
  private List<String> announce(
      DatagramChannel channel, Set<String> sentNonces, Map<String, String> unreachable)
      throws IOException {
    DiscoveryBody body = DiscoveryMessages.body(self);
    List<String> sent = new ArrayList<>();
    for (Target target : targets()) {
      if (target.via() != null) {
        channel.setOption(StandardSocketOptions.IP_MULTICAST_IF, target.via());
      }
      Signed signed = authenticator.sign(body);
      sentNonces.add(HexFormat.of().formatHex(signed.nonce()));
      try {
        channel.send(ByteBuffer.wrap(signed.bytes()), target.address());
        unreachable.remove(target.label());
        sent.add(target.label());
      } catch (IOException e) {
        String reason = String.valueOf(e.getMessage());
        if (!reason.equals(unreachable.put(target.label(), reason))) {
          LOG.warning(
              "cannot announce to "
                  + target.label()
                  + ": "
                  + reason
                  + (target.address().getAddress().equals(broadcastAll())
                      ? " (the limited broadcast needs a default route)"
                      : "")
                  + "; the other targets are still tried");
        }
      }
    }
    return sent;
  }

  private record Target(InetSocketAddress address, NetworkInterface via, String label) {}

  private List<Target> targets() throws IOException {
    List<Target> targets = new ArrayList<>();
    if (settings.mode() == DiscoveryMode.LOOPBACK) {
      if (settings.multicast()) {
        targets.add(
            new Target(
                settings.multicastTarget(), null, settings.multicastTarget() + " via loopback"));
      }
    } else {
      if (settings.broadcast()) {
        List<InetAddress> addresses = new ArrayList<>(settings.broadcastAddresses());
        if (addresses.isEmpty()) {
          addresses.add(broadcastAll());
          addresses.addAll(NetworkInterfaces.broadcastAddresses(settings.interfaceName()));
        }
        for (InetAddress address : addresses) {
          InetSocketAddress target = new InetSocketAddress(address, settings.port());
          targets.add(new Target(target, null, label(target)));
        }
      }
      if (settings.multicast()) {
        List<NetworkInterface> interfaces =
            NetworkInterfaces.forMulticast(settings.interfaceName());
        InetSocketAddress group = settings.multicastTarget();
        if (interfaces.isEmpty()) {
          targets.add(new Target(group, null, label(group) + " via the default route"));
        }
        for (NetworkInterface nif : interfaces) {
          targets.add(new Target(group, nif, label(group) + " via " + nif.getName()));
        }
      }
    }
    for (InetSocketAddress target : settings.unicastTargets()) {
      targets.add(new Target(target, null, label(target)));
    }
    return targets;
  }

  private Optional<EdgeList> receive(
      DatagramChannel channel, ByteBuffer buffer, Set<String> sentNonces) throws IOException {
    while (true) {
      buffer.clear();
      SocketAddress source = channel.receive(buffer);
      if (source == null) {
        return Optional.empty();
      }
      Verification verification = authenticator.verify(buffer.array(), buffer.position(), source);
      if (!(verification instanceof Accepted accepted)) {
        continue;
      }
      if (accepted.body().getMessageCase() != DiscoveryBody.MessageCase.EDGE_LIST) {
        authenticator.drop(
            source, DropReason.UNEXPECTED, "a " + accepted.body().getMessageCase() + " message");
        continue;
      }
      EdgeListProto proto = accepted.body().getEdgeList();
      if (!sentNonces.contains(HexFormat.of().formatHex(proto.getInReplyTo().toByteArray()))) {
        authenticator.drop(source, DropReason.UNSOLICITED, "");
        continue;
      }
      EdgeList edges;
      try {
        edges = DiscoveryMessages.edgeList(proto);
      } catch (IllegalArgumentException e) {
        authenticator.drop(source, DropReason.BAD_BODY, e.getMessage());
        continue;
      }
      if (!edges.clusterId().equals(settings.clusterId())) {
        authenticator.drop(
            source,
            DropReason.BAD_BODY,
            "an edge list of cluster '" + DatagramAuthenticator.printable(edges.clusterId()) + "'");
        continue;
      }
      return Optional.of(edges);
    }
  }

  private void reportWaiting(
      int attempts, List<String> targets, Map<String, String> unreachable, Duration wait) {
    String description =
        "waiting for an edge list from the discovery server of cluster '"
            + settings.clusterId()
            + "': announcement "
            + attempts
            + " sent to "
            + (targets.isEmpty() ? "no target" : String.join(", ", targets))
            + (unreachable.isEmpty()
                ? ""
                : "; could not send to "
                    + unreachable.entrySet().stream()
                        .map(e -> e.getKey() + " (" + e.getValue() + ")")
                        .collect(Collectors.joining(", ")))
            + "; next in "
            + wait.toMillis()
            + " ms";
    status = new DiscoveryStatus(DiscoveryStatus.State.WAITING, attempts, description);
    // The first announcement and then every doubling, so a long wait stays visible but quiet.
    LOG.log(Integer.bitCount(attempts) == 1 ? Level.INFO : Level.FINE, description);
  }

  private DiscoveryTimeoutException timedOut(
      Duration timeout, int attempts, List<String> targets, Map<String, String> unreachable) {
    Map<DropReason, Long> drops = authenticator.drops();
    String message =
        "no edge list from the discovery server of cluster '"
            + settings.clusterId()
            + "' within "
            + timeout.toMillis()
            + " ms after "
            + attempts
            + " announcements to "
            + (targets.isEmpty() ? "no target" : String.join(", ", targets))
            + (unreachable.isEmpty() ? "" : "; could not send to " + unreachable.keySet())
            + (drops.isEmpty() ? "" : "; refused datagrams: " + drops)
            + ". Check that the queue server runs, that this node has its cluster id and secret,"
            + " and that UDP to port "
            + settings.port()
            + (settings.multicast() ? " and multicast to " + label(settings.multicastTarget()) : "")
            + " is not blocked";
    status = new DiscoveryStatus(DiscoveryStatus.State.TIMED_OUT, attempts, message);
    LOG.warning(message);
    return new DiscoveryTimeoutException(message, attempts);
  }

  private static String describe(EdgeList edges) {
    return "found cluster '"
        + edges.clusterId()
        + "': queue server "
        + edges.queueServer()
        + ", "
        + edges.members().size()
        + (edges.members().size() == 1 ? " member" : " members")
        + ", leader "
        + edges.leaderId().orElse("unknown");
  }

  private static String label(InetSocketAddress address) {
    return address.getAddress().getHostAddress() + ":" + address.getPort();
  }

  private static InetAddress broadcastAll() {
    try {
      return InetAddress.getByAddress(new byte[] {(byte) 255, (byte) 255, (byte) 255, (byte) 255});
    } catch (IOException e) {
      throw new AssertionError("four bytes are an address", e);
    }
  }
}
