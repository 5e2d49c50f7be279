package io.spindle.node.infrastructure.runtime;

import io.spindle.discovery.AddNodeRequest;
import io.spindle.discovery.DiscoverySettings;
import io.spindle.discovery.HostPort;
import io.spindle.node.infrastructure.membership.DiscoveryJoiner;
import io.spindle.raft.server.RaftStatus;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadFactory;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.logging.Logger;

/**
 * A node without static peers or the bootstrap flag finds its cluster by discovery, on every start:
 * a new node to be added, a restarted one to be found again (the leader answers "member already")
 * or re-added after it left. Two such nodes never found clusters of their own: their configuration
 * is empty until a leader adds them.
 */
final class JoinByDiscovery {
  private static final Logger LOG = Logger.getLogger(NodeRuntime.class.getName());

  private JoinByDiscovery() {}

  /**
   * Starts the {@link DiscoveryJoiner} if this node joins by discovery and discovery is on.
   *
   * @param advertisedRaft the address this node's Raft transport is reached at
   * @param takeWorkFrom called with the discovered queue server (one more link if others are
   *     configured)
   * @param memberWait how long the joiner waits to be added before it asks again
   */
  static Optional<DiscoveryJoiner> start(
      NodeSettings config,
      Supplier<RaftStatus> status,
      String advertisedRaft,
      Consumer<List<InetSocketAddress>> takeWorkFrom,
      Duration memberWait,
      ThreadFactory threads) {
    if (config.startMode() != NodeSettings.StartMode.DISCOVER) {
      return Optional.empty();
    }
    Optional<DiscoverySettings> settings =
        config.discovery().settings(config.clusterId(), config.secret());
    if (settings.isEmpty()) {
      LOG.warning(
          () ->
              "node "
                  + config.nodeId()
                  + " has no peers, is not the bootstrap node and discovery is off: it waits for"
                  + " a leader to add it (set "
                  + NodeSettings.PEERS
                  + ", "
                  + NodeSettings.BOOTSTRAP
                  + "=true or "
                  + NodeSettings.DISCOVERY_MODE
                  + ")");
      return Optional.empty();
    }
    RaftStatus s = status.get();
    boolean hasData = s.lastIndex() > 0 || !s.configuration().allIds().isEmpty();
    HostPort raft = HostPort.parse(advertisedRaft);
    AddNodeRequest self =
        new AddNodeRequest(config.nodeId().toString(), raft, config.httpUrl(), hasData);
    return Optional.of(
        new DiscoveryJoiner(
                settings.get(),
                self,
                status,
                edges ->
                    takeWorkFrom.accept(
                        List.of(
                            InetSocketAddress.createUnresolved(
                                edges.queueServer().host(), edges.queueServer().port()))),
                memberWait,
                threads)
            .start());
  }
}
