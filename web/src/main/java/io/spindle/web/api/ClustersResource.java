package io.spindle.web.api;

import io.spindle.node.application.GlobalPingException;
import io.spindle.node.application.GlobalPings;
import io.spindle.protocol.federation.RouteMember;
import io.spindle.protocol.queue.ClusterPing;
import io.spindle.protocol.queue.ClustersResult;
import io.spindle.protocol.queue.ErrorCode;
import io.spindle.protocol.queue.Hop;
import io.spindle.protocol.queue.PingResult;
import io.spindle.protocol.queue.RouteView;
import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.time.Duration;
import java.util.List;

/**
 * {@code /api/clusters}: the federation's route table as Redis holds it, and pings from this node
 * to any cluster of it (this node's own cluster: its members; another: through its route, that
 * cluster's queue server, leader and members; {@code ping-all}: the walk over every cluster).
 */
@Path("clusters")
@RequestScoped
@Produces(MediaType.APPLICATION_JSON)
public class ClustersResource {
  private static final int MAX_TIMEOUT_S = 60;

  @Inject GlobalPings pings;

  /** The route table; {@code error} says why it is empty or incomplete (no Redis, Redis down). */
  @GET
  public Table clusters() {
    ClustersResult r = pings.clusters().build();
    return new Table(
        r.getClusterId(),
        r.getRedis(),
        r.getError().isEmpty() ? null : r.getError(),
        r.getRoutesList().stream().map(ClustersResource::route).toList());
  }

  /** Every hop from this node to cluster {@code id}'s members; 404 unknown, 503 no answer. */
  @GET
  @Path("{id}/ping")
  public Response ping(@PathParam("id") String id, @QueryParam("timeoutS") Integer timeoutS) {
    Duration timeout = timeout(timeoutS);
    if (timeout == null) {
      return badTimeout();
    }
    long started = System.nanoTime();
    try {
      PingResult r = pings.cluster(id, timeout).build();
      return Response.ok(
              new Ping(id, true, null, millis(started), hops(r.getHopsList()), List.of()))
          .build();
    } catch (GlobalPingException e) {
      return Response.status(
              e.code() == ErrorCode.NOT_FOUND
                  ? Response.Status.NOT_FOUND
                  : Response.Status.SERVICE_UNAVAILABLE)
          .entity(new ErrorBody(e.getMessage()))
          .build();
    }
  }

  /** The walk over every cluster in the route table, ending back at this cluster. */
  @GET
  @Path("ping-all")
  public Response pingAll(@QueryParam("timeoutS") Integer timeoutS) {
    Duration timeout = timeout(timeoutS);
    if (timeout == null) {
      return badTimeout();
    }
    long started = System.nanoTime();
    try {
      PingResult r = pings.walk(timeout, GlobalPings.DEFAULT_HOP_LIMIT).build();
      List<ClusterAnswer> clusters =
          r.getClustersList().stream().map(ClustersResource::answer).toList();
      boolean all = clusters.stream().allMatch(ClusterAnswer::answered);
      return Response.ok(
              new Ping(null, all, null, millis(started), hops(r.getHopsList()), clusters))
          .build();
    } catch (GlobalPingException e) {
      return Response.status(Response.Status.SERVICE_UNAVAILABLE)
          .entity(new ErrorBody(e.getMessage()))
          .build();
    }
  }

  private static Duration timeout(Integer seconds) {
    if (seconds == null) {
      return GlobalPings.DEFAULT_CLUSTER_TIMEOUT;
    }
    return seconds < 1 || seconds > MAX_TIMEOUT_S ? null : Duration.ofSeconds(seconds);
  }

  private static Response badTimeout() {
    return Response.status(Response.Status.BAD_REQUEST)
        .entity(new ErrorBody("timeoutS is 1 to " + MAX_TIMEOUT_S + " seconds"))
        .build();
  }

  private static double millis(long startedNanos) {
    return (System.nanoTime() - startedNanos) / 1e6;
  }

  private static Route route(RouteView v) {
    return new Route(
        v.getClusterId(),
        v.getLeaderId(),
        v.getTerm(),
        v.getMembersList().stream().map(ClustersResource::member).toList(),
        v.getQueueServersList(),
        v.getAgeMs(),
        v.getReachable(),
        v.getProblem().isEmpty() ? null : v.getProblem());
  }

  private static RouteMemberView member(RouteMember m) {
    return new RouteMemberView(m.getNodeId(), m.getRaftAddress(), m.getHttpUrl(), m.getRole());
  }

  private static List<HopView> hops(List<Hop> hops) {
    return hops.stream()
        .map(
            h ->
                new HopView(
                    h.getName(),
                    h.getAddress(),
                    h.getClusterId(),
                    h.getKind(),
                    h.getRttMicros(),
                    h.getReached(),
                    h.getError().isEmpty() ? null : h.getError()))
        .toList();
  }

  private static ClusterAnswer answer(ClusterPing p) {
    return new ClusterAnswer(
        p.getClusterId(),
        p.getAnswered(),
        p.getError().isEmpty() ? null : p.getError(),
        p.getRttMicros(),
        hops(p.getHopsList()));
  }

  /** {@code GET /api/clusters}. */
  public record Table(String clusterId, String redis, String error, List<Route> routes) {}

  /** One cluster's route; {@code problem} says why it is not reachable. */
  public record Route(
      String clusterId,
      String leaderId,
      long term,
      List<RouteMemberView> members,
      List<String> queueServers,
      long ageMs,
      boolean reachable,
      String problem) {}

  public record RouteMemberView(String nodeId, String raftAddress, String httpUrl, String role) {}

  /** A ping's answer: the hops in order; for the walk, one answer per cluster too. */
  public record Ping(
      String cluster,
      boolean answered,
      String error,
      double totalMs,
      List<HopView> hops,
      List<ClusterAnswer> clusters) {}

  public record HopView(
      String name,
      String address,
      String clusterId,
      String kind,
      long rttMicros,
      boolean reached,
      String error) {}

  public record ClusterAnswer(
      String clusterId, boolean answered, String error, long rttMicros, List<HopView> hops) {}
}
