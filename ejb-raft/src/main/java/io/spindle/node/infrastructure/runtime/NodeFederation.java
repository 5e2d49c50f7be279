package io.spindle.node.infrastructure.runtime;

import io.spindle.node.infrastructure.federation.FederationLinks;
import io.spindle.node.infrastructure.federation.FederationSettings;
import io.spindle.node.infrastructure.federation.GlobalPing;
import io.spindle.node.infrastructure.federation.RoutePublisher;
import io.spindle.node.infrastructure.federation.RouteRegistry;
import io.spindle.raft.server.RaftStatus;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadFactory;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.logging.Logger;
import javax.net.ssl.SSLContext;

/**
 * The node's part in the federation of clusters: {@link GlobalPing} always; with Redis configured
 * ({@link FederationSettings}), also the route publisher (which publishes only while this node
 * leads), the route registry and the links to other clusters' queue servers.
 *
 * <p><b>Threading:</b> started and closed by {@link NodeRuntime} under its lock; {@link
 * #globalPing()} is safe from any thread.
 */
final class NodeFederation implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(NodeRuntime.class.getName());

  private final RouteRegistry routes;
  private final FederationLinks links;
  private final RoutePublisher publisher;
  private final GlobalPing globalPing;

  private NodeFederation(
      RouteRegistry routes, FederationLinks links, RoutePublisher publisher, GlobalPing ping) {
    this.routes = routes;
    this.links = links;
    this.publisher = publisher;
    this.globalPing = ping;
  }

  /**
   * Starts what the settings ask for.
   *
   * @param settings the node's MicroProfile Config, key to value
   * @param queueServers this cluster's queue servers as its route names them
   */
  static NodeFederation start(
      NodeSettings config,
      Function<String, Optional<String>> settings,
      Supplier<RaftStatus> status,
      Supplier<List<String>> queueServers,
      SSLContext https,
      ThreadFactory threads) {
    Optional<FederationSettings> federation = FederationSettings.read(settings);
    HttpClient http =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2))
            .sslContext(https)
            .build();
    RouteRegistry routes = null;
    FederationLinks links = null;
    RoutePublisher publisher = null;
    if (federation.isPresent()) {
      FederationSettings f = federation.get();
      routes = new RouteRegistry(f.redis(), f.secret(), System::currentTimeMillis);
      links =
          new FederationLinks(config.clusterId(), config.nodeId().toString(), f.secret(), threads);
      publisher =
          new RoutePublisher(
                  config.clusterId(),
                  status,
                  queueServers,
                  caPem(config),
                  f.routeTtl(),
                  f.routeRefresh(),
                  routes,
                  System::currentTimeMillis,
                  threads)
              .start();
      LOG.info(() -> "cluster " + config.clusterId() + " is in a federation: routes in " + f);
    } else {
      LOG.info(
          () ->
              "no Redis configured ("
                  + FederationSettings.REDIS_HOST
                  + "): cluster "
                  + config.clusterId()
                  + " publishes no route, and pings reach only its own members");
    }
    GlobalPing ping =
        new GlobalPing(config.clusterId(), status, config.httpUrl(), http, routes, links);
    return new NodeFederation(routes, links, publisher, ping);
  }

  /** The cluster's CA certificate, which its route carries, when the node has TLS. */
  private static String caPem(NodeSettings config) {
    if (config.tls().isEmpty()) {
      return "";
    }
    Path ca = config.tls().get().caFile();
    try {
      return Files.readString(ca, StandardCharsets.US_ASCII);
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot read the cluster's CA certificate " + ca + " for its route: " + e, e);
    }
  }

  GlobalPing globalPing() {
    return globalPing;
  }

  /** Stops publishing, then closes the links and the registry. */
  @Override
  public void close() {
    if (publisher != null) {
      publisher.close();
    }
    if (links != null) {
      links.close();
    }
    if (routes != null) {
      routes.close();
    }
  }
}
