package io.spindle.node.infrastructure.federation;

import io.spindle.node.application.GlobalPingException;
import io.spindle.node.application.GlobalPings;
import io.spindle.node.domain.MemberAddress;
import io.spindle.protocol.federation.ClusterRoute;
import io.spindle.protocol.federation.RouteMember;
import io.spindle.protocol.queue.ClusterPing;
import io.spindle.protocol.queue.ClustersResult;
import io.spindle.protocol.queue.ErrorCode;
import io.spindle.protocol.queue.Hop;
import io.spindle.protocol.queue.Ping;
import io.spindle.protocol.queue.PingResult;
import io.spindle.protocol.queue.Reply;
import io.spindle.protocol.queue.Request;
import io.spindle.protocol.queue.RouteView;
import io.spindle.raft.server.RaftStatus;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * Pings: this cluster's members (each one's health check, from here), another cluster (its route
 * from Redis, then a ping forwarded to one of its queue servers, which its leader answers with its
 * own members), and the walk over every cluster of the federation. Every hop carries its round trip
 * from the hop before it, so a caller can print the path like {@code traceroute}.
 *
 * <p><b>Threading:</b> thread-safe. <b>Blocking:</b> a ping blocks its caller for at most the
 * timeout per cluster (and two seconds per member). <b>Errors:</b> {@link PingFailure} with a queue
 * error code (NOT_FOUND for an unknown cluster, UNAVAILABLE for one that did not answer) and a
 * sentence.
 */
public final class GlobalPing implements GlobalPings {

  private static final Duration MEMBER_TIMEOUT = Duration.ofSeconds(2);
  private static final String UNKNOWN = "no cluster of this federation has that id";
  private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(1);

  private final String clusterId;
  private final Supplier<RaftStatus> status;
  private final URI selfUrl;
  private final HttpClient http;
  private final RouteRegistry registry;
  private final FederationLinks links;

  /**
   * @param registry the federation's routes, or null when this cluster has no Redis (then only this
   *     cluster can be pinged)
   * @param links connections to other clusters' queue servers; null with a null registry
   */
  public GlobalPing(
      String clusterId,
      Supplier<RaftStatus> status,
      URI selfUrl,
      HttpClient http,
      RouteRegistry registry,
      FederationLinks links) {
    this.clusterId = clusterId;
    this.status = status;
    this.selfUrl = selfUrl;
    this.http = http;
    this.registry = registry;
    this.links = links;
  }

  /** This node first, then every other member with the round trip to its health check. */
  public PingResult.Builder members() {
    RaftStatus s = status.get();
    PingResult.Builder r = PingResult.newBuilder();
    r.addHops(self(s));
    for (io.spindle.raft.Member m : s.configuration().all()) {
      if (m.id().equals(s.id())) {
        continue;
      }
      Hop.Builder hop =
          Hop.newBuilder().setName(m.id().toString()).setClusterId(clusterId).setKind("member");
      Optional<MemberAddress> a = address(m.address());
      if (a.isEmpty()) {
        r.addHops(hop.setAddress(m.address()).setError("no web address known"));
        continue;
      }
      hop.setAddress(a.get().httpUrl().toString());
      long started = System.nanoTime();
      try {
        HttpResponse<Void> answer =
            http.send(
                HttpRequest.newBuilder(a.get().httpUrl().resolve("/health/live"))
                    .timeout(MEMBER_TIMEOUT)
                    .build(),
                HttpResponse.BodyHandlers.discarding());
        hop.setRttMicros((System.nanoTime() - started) / 1_000);
        if (answer.statusCode() == 200) {
          hop.setReached(true);
        } else {
          hop.setError("its health check answered " + answer.statusCode());
        }
      } catch (IOException e) {
        hop.setError("unreachable: " + e.getMessage());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        hop.setError("interrupted");
      }
      r.addHops(hop);
    }
    return r;
  }

  /**
   * This node, then cluster {@code target}'s queue server, its leader and its members.
   *
   * @throws PingFailure NOT_FOUND if no cluster of the federation has that id, UNAVAILABLE if Redis
   *     or the cluster did not answer in time
   */
  @Override
  public PingResult.Builder cluster(String target, Duration timeout) {
    if (target.equals(clusterId)) {
      return members();
    }
    ClusterPing p = forward(target, timeout);
    if (!p.getAnswered()) {
      throw new PingFailure(
          p.getError().endsWith(UNKNOWN) ? ErrorCode.NOT_FOUND : ErrorCode.UNAVAILABLE,
          p.getError());
    }
    return PingResult.newBuilder().addHops(self(status.get())).addAllHops(p.getHopsList());
  }

  /**
   * The walk: every other cluster in the route table in a ring ordered by id, starting after this
   * one, one at a time and each once (at most {@code hopLimit}); a cluster that does not answer
   * within {@code timeout} is reported as such and the walk goes on; it ends back here, with this
   * cluster's members.
   *
   * @throws PingFailure UNAVAILABLE if Redis cannot be read
   */
  @Override
  public PingResult.Builder walk(Duration timeout, int hopLimit) {
    List<String> ids = new ArrayList<>();
    for (RouteRegistry.RouteEntry e : table()) {
      ids.add(e.clusterId());
    }
    Set<String> ring = new LinkedHashSet<>();
    ids.stream().filter(id -> id.compareTo(clusterId) > 0).sorted().forEach(ring::add);
    ids.stream().filter(id -> id.compareTo(clusterId) < 0).sorted().forEach(ring::add);
    PingResult.Builder r = PingResult.newBuilder().addHops(self(status.get()));
    int visited = 0;
    for (String id : ring) {
      if (visited >= hopLimit) {
        r.addClusters(
            ClusterPing.newBuilder()
                .setClusterId(id)
                .setError("not visited: the walk's hop limit (" + hopLimit + ") was reached"));
        continue;
      }
      visited++;
      r.addClusters(forward(id, timeout));
    }
    long started = System.nanoTime();
    PingResult.Builder home = members();
    r.addClusters(
        ClusterPing.newBuilder()
            .setClusterId(clusterId)
            .setAnswered(true)
            .setRttMicros((System.nanoTime() - started) / 1_000)
            .addAllHops(home.getHopsList()));
    return r;
  }

  /** The route table, each route checked for a queue server that accepts a connection. */
  @Override
  public ClustersResult.Builder clusters() {
    ClustersResult.Builder r = ClustersResult.newBuilder().setClusterId(clusterId);
    if (registry == null) {
      return r.setError(notConfigured());
    }
    r.setRedis(registry.describe().replaceFirst("^Redis at ", ""));
    List<RouteRegistry.RouteEntry> entries;
    try {
      entries = registry.routes();
    } catch (RedisUnavailableException e) {
      return r.setError(e.getMessage());
    }
    for (RouteRegistry.RouteEntry e : entries) {
      RouteView.Builder v = RouteView.newBuilder().setClusterId(e.clusterId());
      if (e.route().isEmpty()) {
        r.addRoutes(v.setProblem(e.problem()));
        continue;
      }
      ClusterRoute route = e.route().get();
      v.setLeaderId(route.getLeaderId())
          .setTerm(route.getTerm())
          .addAllMembers(route.getMembersList())
          .addAllQueueServers(route.getQueueServersList())
          .setAgeMs(e.ageMs());
      String problem = probe(route);
      r.addRoutes(v.setReachable(problem.isEmpty()).setProblem(problem));
    }
    return r;
  }

  private List<RouteRegistry.RouteEntry> table() {
    if (registry == null) {
      throw new PingFailure(ErrorCode.UNAVAILABLE, notConfigured());
    }
    try {
      return registry.routes();
    } catch (RedisUnavailableException e) {
      throw new PingFailure(ErrorCode.UNAVAILABLE, e.getMessage());
    }
  }

  /** Cluster {@code target}'s answer (its queue server, leader and members), or why none. */
  private ClusterPing forward(String target, Duration timeout) {
    ClusterPing.Builder p = ClusterPing.newBuilder().setClusterId(target);
    if (registry == null) {
      return p.setError(notConfigured()).build();
    }
    RouteRegistry.RouteEntry entry;
    try {
      entry = registry.route(target);
    } catch (RedisUnavailableException e) {
      return p.setError(e.getMessage()).build();
    }
    if (!entry.known()) {
      return p.setError("no route for cluster " + target + ": " + UNKNOWN).build();
    }
    if (entry.route().isEmpty()) {
      return p.setError("no route for cluster " + target + " (" + entry.problem() + ")").build();
    }
    ClusterRoute route = entry.route().get();
    long deadline = System.nanoTime() + timeout.toNanos();
    List<String> tried = new ArrayList<>();
    String lastProblem = "its route names no queue server";
    for (String server : route.getQueueServersList()) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        break;
      }
      String whose = "cluster " + target + "'s queue server " + server;
      Request request =
          Request.newBuilder()
              .setRequestId(UUID.randomUUID().toString())
              .setTimeoutMs((int) Math.max(1, left / 1_000_000))
              .setPing(Ping.newBuilder().setTargetCluster(target).setOriginCluster(clusterId))
              .build();
      long started = System.nanoTime();
      tried.add(server);
      try {
        Reply reply =
            links.request(server, route.getCaPem(), whose, request, Duration.ofNanos(left)).get();
        long rtt = (System.nanoTime() - started) / 1_000;
        if (reply.hasError()) {
          return p.setRttMicros(rtt)
              .setError("cluster " + target + " answered: " + reply.getError().getMessage())
              .build();
        }
        List<Hop> hops = new ArrayList<>(reply.getPing().getHopsList());
        if (!hops.isEmpty() && hops.get(0).getKind().equals("queue-server")) {
          hops.set(0, hops.get(0).toBuilder().setRttMicros(rtt).setAddress(server).build());
        } else {
          hops.add(
              0,
              Hop.newBuilder()
                  .setName(server)
                  .setAddress(server)
                  .setClusterId(target)
                  .setKind("queue-server")
                  .setReached(true)
                  .setRttMicros(rtt)
                  .build());
        }
        return p.setAnswered(true).setRttMicros(rtt).addAllHops(hops).build();
      } catch (ExecutionException e) {
        if (e.getCause() instanceof TimeoutException) {
          break;
        }
        lastProblem = e.getCause().getMessage();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return p.setError("interrupted").build();
      }
    }
    if (System.nanoTime() - deadline >= 0) {
      return p.setError(
              "cluster "
                  + target
                  + "'s queue servers did not answer within "
                  + seconds(timeout)
                  + " (hops so far: "
                  + status.get().id()
                  + " of cluster "
                  + clusterId
                  + " -> "
                  + String.join(", ", tried)
                  + ")")
          .build();
    }
    return p.setError(
            "cluster "
                + target
                + "'s queue servers did not answer ("
                + lastProblem
                + "; hops so far: "
                + status.get().id()
                + " of cluster "
                + clusterId
                + " -> "
                + String.join(", ", tried)
                + ")")
        .build();
  }

  /** Empty if the route's first queue server accepts a TCP connection now, else why not. */
  private static String probe(ClusterRoute route) {
    if (route.getQueueServersCount() == 0) {
      return "its route names no queue server";
    }
    String server = route.getQueueServers(0);
    int colon = server.lastIndexOf(':');
    try (Socket s = new Socket()) {
      s.connect(
          new InetSocketAddress(
              server.substring(0, colon), Integer.parseInt(server.substring(colon + 1))),
          (int) PROBE_TIMEOUT.toMillis());
      return "";
    } catch (IOException | RuntimeException e) {
      return "its queue server " + server + " does not accept connections (" + e.getMessage() + ")";
    }
  }

  private Hop self(RaftStatus s) {
    return Hop.newBuilder()
        .setName(s.id().toString())
        .setAddress(selfUrl.toString())
        .setClusterId(clusterId)
        .setKind(s.isLeader() ? "leader" : "member")
        .setReached(true)
        .build();
  }

  private static String notConfigured() {
    return "this cluster has no Redis configured (spindle.redis.host), so it knows no other cluster";
  }

  private static String seconds(Duration d) {
    return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
  }

  private static Optional<MemberAddress> address(String a) {
    try {
      return Optional.of(MemberAddress.parse(a));
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  /** Roles of a route's members, as federation.proto names them. */
  static String role(RaftStatus s, io.spindle.raft.Member m) {
    if (m.id().equals(s.leader().orElse(null))) {
      return "leader";
    }
    return s.configuration().isVoter(m.id()) ? "voter" : "learner";
  }

  /** The members of a route, from the leader's status. */
  static List<RouteMember> routeMembers(RaftStatus s) {
    return s.configuration().all().stream()
        .map(
            m -> {
              RouteMember.Builder b =
                  RouteMember.newBuilder().setNodeId(m.id().toString()).setRole(role(s, m));
              address(m.address())
                  .ifPresentOrElse(
                      a -> b.setRaftAddress(a.raftAddress()).setHttpUrl(a.httpUrl().toString()),
                      () -> b.setRaftAddress(m.address()));
              return b.build();
            })
        .collect(Collectors.toList());
  }

  /** Why a ping did not get through: the queue error code to answer, and a sentence. */
  /** A ping that could not be answered; {@link #code()} says why. */
  public static final class PingFailure extends GlobalPingException {
    private static final long serialVersionUID = 1L;

    public PingFailure(ErrorCode code, String message) {
      super(code, message);
    }
  }
}
