package io.spindle.web.api;

import io.spindle.node.application.GroupService;
import io.spindle.node.domain.group.MemberKey;
import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.io.InputStream;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * {@code POST /api/renewals}: renews many members' leases in one request, for an agent that keeps
 * many members alive, and for a follower passing on the renewals that reached it ({@link
 * RenewalBatcher}). Each member is answered on its own (200 and the member, or 404), with one
 * confirmation of leadership for all. A follower passes the whole request on to the leader.
 */
@Path("renewals")
@Tag(name = "groups")
@RequestScoped
@Produces(MediaType.APPLICATION_JSON)
public class RenewalResource {
  /** The most a body may hold: 1,000 members with names of up to 255 bytes, and room. */
  static final int MAX_BODY_BYTES = 1 << 20;

  @Inject GroupService groups;
  @Inject LeaderForwarder forwarder;

  @Context HttpHeaders headers;

  @POST
  @Consumes(MediaType.WILDCARD)
  @Operation(
      operationId = "renewMembers",
      summary = "Renew many members' leases",
      description =
          "Renews each member listed (1 to 1,000, of any groups) as POST"
              + " /api/groups/{group}/members/{id}/renew does, and answers each on its own, in"
              + " the request's order: 200 and the member, or 404 when it is not a member. Any"
              + " node takes it: a follower passes it on to the leader.")
  @RequestBody(
      required = true,
      description = "The members to renew, JSON of at most 1 MiB",
      content =
          @Content(
              mediaType = MediaType.APPLICATION_JSON,
              schema = @Schema(implementation = RenewalsRequest.class)))
  @APIResponse(
      responseCode = "200",
      description = "Each member's renewal",
      content =
          @Content(
              mediaType = MediaType.APPLICATION_JSON,
              schema = @Schema(implementation = RenewalsView.class)))
  @APIResponse(
      responseCode = "400",
      description =
          "The body is not JSON, has a field it does not take or one of the wrong type, lists no"
              + " member or more than 1,000, or a group name or member id that is not valid;"
              + " nothing was renewed",
      content =
          @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(ref = "ErrorBody")))
  @APIResponse(responseCode = "401", ref = SpindleApi.UNAUTHORIZED)
  @APIResponse(responseCode = "403", ref = SpindleApi.FORBIDDEN)
  @APIResponse(responseCode = "409", ref = SpindleApi.LEADERSHIP_LOST)
  @APIResponse(
      responseCode = "413",
      description = "The body is over 1 MiB; nothing was renewed",
      content =
          @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(ref = "ErrorBody")))
  @APIResponse(responseCode = "500", ref = SpindleApi.FAILED)
  @APIResponse(responseCode = "503", ref = SpindleApi.UNAVAILABLE)
  public Response renewAll(
      @Parameter(description = "The body's size; over 1 MiB the request is refused (413) at once")
          @HeaderParam("Content-Length")
          Long contentLength,
      InputStream body) {
    if (contentLength != null && contentLength > MAX_BODY_BYTES) {
      return tooLarge(contentLength);
    }
    byte[] json = GroupResource.readBounded(body, MAX_BODY_BYTES);
    if (json == null) {
      return tooLarge(null);
    }
    List<MemberKey> members = RenewalsRequest.parse(json);
    if (!forwarder.leaderTakes(headers)) {
      return forwarder.forwardChange("POST", List.of("renewals"), json, null);
    }
    return Response.ok(RenewalsView.of(members, groups.renewAll(members))).build();
  }

  private static Response tooLarge(Long length) {
    return ApiExceptionMapper.error(
        Response.Status.REQUEST_ENTITY_TOO_LARGE,
        "a renewal of many members is at most "
            + MAX_BODY_BYTES
            + " bytes of JSON"
            + (length == null ? "" : ", not " + length)
            + "; send at most "
            + GroupService.MAX_RENEWALS_PER_CALL
            + " members at once");
  }
}
