package io.spindle.web.api;

import io.spindle.node.application.ClusterUnavailableException;
import io.spindle.node.application.NodeFacade;
import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * {@code /api/cluster}: this node's view of the Raft cluster (local, never forwarded), and {@code
 * POST /api/cluster/leader?to=}: the leader hands leadership over.
 */
@Path("cluster")
@Tag(name = "cluster", description = "This node's view of its Raft cluster")
@RequestScoped
@Produces(MediaType.APPLICATION_JSON)
public class ClusterResource {
  @Inject NodeFacade node;

  @GET
  @Operation(
      operationId = "clusterStatus",
      summary = "This node's view of the cluster",
      description =
          "Role, term, leader, commit/applied/last index, readiness, queue server connection"
              + " and members; each member's catch-up progress only when this node leads. Local:"
              + " never passed on to the leader.")
  @APIResponse(
      responseCode = "200",
      description = "This node's view",
      content =
          @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(ref = "ClusterView")))
  @APIResponse(responseCode = "401", ref = SpindleApi.UNAUTHORIZED)
  @APIResponse(responseCode = "403", ref = SpindleApi.FORBIDDEN)
  @APIResponse(responseCode = "500", ref = SpindleApi.FAILED)
  public ClusterView cluster() {
    return ClusterView.of(node);
  }

  /** How long a transfer may take before the answer says its outcome is unknown. */
  static final Duration TRANSFER_WAIT = Duration.ofSeconds(15);

  /** The answer to a leadership transfer: who led, and who leads now. */
  @Schema(description = "A leadership transfer's outcome")
  public record TransferView(
      @Schema(description = "The node that led and handed leadership over", example = "n1")
          String from,
      @Schema(
              description =
                  "The node that leads now (the same as from if no voter could take over)",
              example = "n2")
          String leader) {}

  @POST
  @Path("leader")
  @Operation(
      operationId = "transferLeadership",
      summary = "Hand leadership to another voter",
      description =
          "Asked of the leader: it hands leadership to the voter named by `to` (a node id, as"
              + " /api/cluster lists the members), or without `to` to the most up-to-date voter"
              + " heard from recently, and answers once it sees the new leader lead (within 15"
              + " s). Writes wait meanwhile; nothing is lost. For maintenance: move leadership off"
              + " a node before stopping or upgrading it.")
  @APIResponse(
      responseCode = "200",
      description = "Leadership moved",
      content =
          @Content(
              mediaType = MediaType.APPLICATION_JSON,
              schema = @Schema(implementation = TransferView.class)))
  @APIResponse(
      responseCode = "400",
      description = "`to` names no voter of this cluster",
      content =
          @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(ref = "ErrorBody")))
  @APIResponse(responseCode = "401", ref = SpindleApi.UNAUTHORIZED)
  @APIResponse(responseCode = "403", ref = SpindleApi.FORBIDDEN)
  @APIResponse(
      responseCode = "409",
      description = "This node does not lead; the error names the leader to ask",
      content =
          @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(ref = "ErrorBody")))
  @APIResponse(responseCode = "503", ref = SpindleApi.UNAVAILABLE)
  @APIResponse(responseCode = "500", ref = SpindleApi.FAILED)
  public TransferView transferLeadership(
      @Parameter(description = "The voter to lead next; omitted: the most up-to-date one")
          @QueryParam("to")
          String to)
      throws InterruptedException, ExecutionException {
    Optional<String> target = Optional.ofNullable(to).map(String::strip).filter(t -> !t.isEmpty());
    String from = node.status().nodeId();
    try {
      return new TransferView(
          from,
          node.transferLeadership(target).get(TRANSFER_WAIT.toMillis(), TimeUnit.MILLISECONDS));
    } catch (TimeoutException e) {
      throw new ClusterUnavailableException(
          "leadership did not move within "
              + TRANSFER_WAIT.toSeconds()
              + " s; it may still: see GET /api/cluster, and retry");
    }
  }
}
