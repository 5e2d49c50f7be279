package io.spindle.web.api;

import io.spindle.node.application.NodeFacade;
import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

/** {@code /api/cluster}: this node's view of the Raft cluster (local, never forwarded). */
@Path("cluster")
@RequestScoped
@Produces(MediaType.APPLICATION_JSON)
public class ClusterResource {
  @Inject NodeFacade node;

  @GET
  public ClusterView cluster() {
    return ClusterView.of(node);
  }
}
