package io.spindle.web.api;

import io.spindle.node.application.NodeFacade;
import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** {@code /api/cluster}: this node's view of the Raft cluster (local, never forwarded). */
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
}
