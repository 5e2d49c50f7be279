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
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * {@code /api/clusters}: the federation's route table as Redis holds it, and pings from this node
 * to any cluster of it (this node's own cluster: its members; another: through its route, that
 * cluster's queue server, leader and members; {@code ping-all}: the walk over every cluster).
 */
@Path("clusters")
@Tag(
    name = "clusters",
    description =
        "The federation: the route table the clusters' leaders publish to Redis, and pings across"
            + " clusters")
@RequestScoped
@Produces(MediaType.APPLICATION_JSON)
public class ClustersResource {
  private static final int MAX_TIMEOUT_S = 60;
  private static final String TIMEOUT =
      "How long each cluster may take to answer, 1 to 60 seconds (5)";
  private static final String TIMEOUT_REFUSED = "timeoutS is not 1 to 60";

  @Inject GlobalPings pings;

  /** The route table; {@code error} says why it is empty or incomplete (no Redis, Redis down). */
  @GET
  @Operation(
      operationId = "routeTable",
      summary = "The federation's route table",
      description =
          "Every cluster whose leader published a route, as this node reads it from Redis: its"
              + " leader, term, members, queue servers, the route's age, and whether it is"
              + " reachable or why not. error says why the table is empty or incomplete (no Redis"
              + " configured, Redis not reachable).")
  @APIResponse(
      responseCode = "200",
      description = "The route table",
      content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(ref = "Table")))
  @APIResponse(responseCode = "401", ref = SpindleApi.UNAUTHORIZED)
  @APIResponse(responseCode = "403", ref = SpindleApi.FORBIDDEN)
  @APIResponse(responseCode = "500", ref = SpindleApi.FAILED)
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
  @Operation(
      operationId = "pingCluster",
      summary = "Ping a cluster from this node",
      description =
          "This node's own cluster: its members. Another cluster: through its route, that"
              + " cluster's queue server, leader and members. Every hop in order with its round"
              + " trip from the hop before it.")
  @APIResponse(
      responseCode = "200",
      description = "The cluster answered: the hops",
      content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(ref = "Ping")))
  @APIResponse(
      responseCode = "400",
      description = TIMEOUT_REFUSED,
      content =
          @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(ref = "ErrorBody")))
  @APIResponse(responseCode = "401", ref = SpindleApi.UNAUTHORIZED)
  @APIResponse(responseCode = "403", ref = SpindleApi.FORBIDDEN)
  @APIResponse(
      responseCode = "404",
      description = "No route for that cluster (or timeoutS is not a number)",
      content =
          @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(ref = "ErrorBody")))
  @APIResponse(responseCode = "500", ref = SpindleApi.FAILED)
  @APIResponse(
      responseCode = "503",
      description = "The cluster did not answer within timeoutS, or Redis is away: the reason",
      content =
          @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(ref = "ErrorBody")))
  public Response ping(
      @Parameter(description = "The cluster's id", required = true, example = "spindle")
          @PathParam("id")
          String id,
      @Parameter(description = TIMEOUT) @QueryParam("timeoutS") Integer timeoutS) {
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
  @Operation(
      operationId = "pingAllClusters",
      summary = "Ping every cluster of the route table in turn",
      description =
          "The walk over every cluster of the route table from this node, one at a time in a"
              + " ring ordered by id, ending back at this cluster: the hops, and one answer per"
              + " cluster (answered, or why not). answered is true only if every cluster"
              + " answered.")
  @APIResponse(
      responseCode = "200",
      description = "The walk, with every cluster's answer",
      content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(ref = "Ping")))
  @APIResponse(
      responseCode = "400",
      description = TIMEOUT_REFUSED,
      content =
          @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(ref = "ErrorBody")))
  @APIResponse(responseCode = "401", ref = SpindleApi.UNAUTHORIZED)
  @APIResponse(responseCode = "403", ref = SpindleApi.FORBIDDEN)
  @APIResponse(responseCode = "500", ref = SpindleApi.FAILED)
  @APIResponse(
      responseCode = "503",
      description = "The walk could not be made (Redis is away): the reason",
      content =
          @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(ref = "ErrorBody")))
  public Response pingAll(
      @Parameter(description = TIMEOUT) @QueryParam("timeoutS") Integer timeoutS) {
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
  @Schema(
      description =
          "A ping's answer: the hops in order (cluster is the id pinged; null for the walk); for"
              + " the walk, one answer per cluster too")
  public record Ping(
      String cluster,
      boolean answered,
      String error,
      double totalMs,
      List<HopView> hops,
      List<ClusterAnswer> clusters) {}

  @Schema(
      description =
          "One hop: kind (queue-server, leader, member), cluster, name, address, round trip from"
              + " the hop before it, or why it was not reached")
  public record HopView(
      String name,
      String address,
      String clusterId,
      String kind,
      long rttMicros,
      boolean reached,
      String error) {}

  @Schema(description = "One cluster of the walk: answered, or why not, with its hops")
  public record ClusterAnswer(
      String clusterId, boolean answered, String error, long rttMicros, List<HopView> hops) {}
}
