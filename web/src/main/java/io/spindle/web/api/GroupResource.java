package io.spindle.web.api;

import io.spindle.node.application.GroupService;
import io.spindle.node.application.NoSuchMemberException;
import io.spindle.node.application.NodeFacade;
import io.spindle.node.domain.group.GroupName;
import io.spindle.node.domain.group.InvalidGroupRequestException;
import io.spindle.node.domain.group.JoinOutcome;
import io.spindle.node.domain.group.MemberId;
import io.spindle.node.domain.group.MemberKey;
import io.spindle.node.domain.group.MemberSpec;
import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.container.AsyncResponse;
import jakarta.ws.rs.container.Suspended;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.headers.Header;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * {@code /api/groups}: group membership. Services join a named group with an id and an address,
 * stay by renewing a lease or answering the leader's probes, and leave; anyone lists the groups and
 * a group's members, or watches a group for its next change.
 *
 * <p><b>Changes on a follower</b> ({@code PUT}, {@code POST …/renew}, {@code DELETE}) are checked
 * here and passed on to the leader by {@link LeaderForwarder}, renewals together with the others
 * waiting on this node by {@link RenewalBatcher}; with no known leader the answer is {@code 503}
 * with {@code Retry-After}. Reads are linearizable unless {@code ?stale=true}.
 *
 * <p><b>A watch</b> ({@code ?wait=true&after=INDEX}) holds no request thread while it waits: the
 * request is suspended and resumed from {@link GroupService#watch}'s future.
 */
@Path("groups")
@Tag(
    name = "groups",
    description =
        "Group membership: members join a named group with an id and an address and stay by"
            + " renewing a lease or answering the leader's probes. Group names and member ids are"
            + " one path segment: UTF-8, 1 to 255 bytes, no '/', not '.' or '..', no control"
            + " characters")
@RequestScoped
@Produces(MediaType.APPLICATION_JSON)
public class GroupResource {
  /**
   * The most a join's body may hold: its own limits (8 KiB of meta, a 512-character address) with
   * room for JSON's escapes, which may make a character six.
   */
  static final int MAX_BODY_BYTES = 64 * 1024;

  static final int DEFAULT_WATCH_SECONDS = 30;
  static final int MAX_WATCH_SECONDS = 60;

  /**
   * How long past its timeout a watch's answer may be late before the node answers 503 itself: the
   * service answers at the timeout, so this only ends a watch that something lost.
   */
  static final Duration WATCH_GRACE = Duration.ofSeconds(15);

  @Inject GroupService groups;
  @Inject NodeFacade node;
  @Inject LeaderForwarder forwarder;
  @Inject RenewalBatcher renewals;

  @Context UriInfo uriInfo;
  @Context HttpHeaders headers;

  @GET
  @Operation(
      operationId = "listGroups",
      summary = "List the groups",
      description =
          "Every group that has members, by name: how many, and the log index of its latest"
              + " change. Linearizable, or this node's copy as it is with stale=true.")
  @APIResponse(
      responseCode = "200",
      description = "The groups",
      content =
          @Content(
              mediaType = MediaType.APPLICATION_JSON,
              schema = @Schema(type = SchemaType.ARRAY, implementation = GroupSummaryView.class)))
  @APIResponse(responseCode = "401", ref = SpindleApi.UNAUTHORIZED)
  @APIResponse(responseCode = "403", ref = SpindleApi.FORBIDDEN)
  @APIResponse(responseCode = "500", ref = SpindleApi.FAILED)
  @APIResponse(responseCode = "503", ref = SpindleApi.UNAVAILABLE)
  public List<GroupSummaryView> list(
      @Parameter(description = STALE) @QueryParam("stale") boolean stale) {
    return groups.groups(stale).stream().map(GroupSummaryView::of).toList();
  }

  @GET
  @Path("{group}")
  @Operation(
      operationId = "showGroup",
      summary = "Show a group's members, or wait for its next change",
      description =
          "The group's members and the log index of its latest change (no members if it has"
              + " none). With wait=true and after=INDEX, a long poll: answers at once if the"
              + " group changed after INDEX, else when it does, else after timeoutSeconds with"
              + " its index unchanged and no changes; the answer lists the changes after INDEX"
              + " (or reset if they are no longer all remembered). Pass its index back as after"
              + " to follow every change.")
  @APIResponse(
      responseCode = "200",
      description = "The group (for a watch: once it changed, or the timeout ran out)",
      content =
          @Content(
              mediaType = MediaType.APPLICATION_JSON,
              schema = @Schema(implementation = GroupDetailView.class)))
  @APIResponse(
      responseCode = "400",
      description =
          "The group name is not valid, after is missing, not a number or negative, timeoutSeconds"
              + " is not 1 to 60, or after or timeoutSeconds came without wait=true",
      content =
          @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(ref = "ErrorBody")))
  @APIResponse(responseCode = "401", ref = SpindleApi.UNAUTHORIZED)
  @APIResponse(responseCode = "403", ref = SpindleApi.FORBIDDEN)
  @APIResponse(responseCode = "500", ref = SpindleApi.FAILED)
  @APIResponse(responseCode = "503", ref = SpindleApi.UNAVAILABLE)
  public void show(
      @Parameter(description = GROUP, required = true, example = "web") @PathParam("group")
          String group,
      @Parameter(description = STALE) @QueryParam("stale") boolean stale,
      @Parameter(description = "true: wait for a change after the index given as after")
          @QueryParam("wait")
          boolean wait,
      @Parameter(
              description =
                  "With wait=true: the index of the view the watcher has (0 for any change); the"
                      + " answer comes once the group changed after it",
              schema = @Schema(type = SchemaType.INTEGER, minimum = "0"))
          @QueryParam("after")
          String after,
      @Parameter(
              description = "With wait=true: how long to wait at most, 1 to 60 seconds (30)",
              schema = @Schema(type = SchemaType.INTEGER, minimum = "1", maximum = "60"))
          @QueryParam("timeoutSeconds")
          String timeoutSeconds,
      @Suspended AsyncResponse async) {
    try {
      GroupName name = GroupName.of(group);
      if (!wait) {
        if (after != null || timeoutSeconds != null) {
          throw badRequest(
              "after and timeoutSeconds are for a watch: add wait=true (GET /api/groups/"
                  + "{group}?wait=true&after=INDEX)");
        }
        async.resume(GroupDetailView.of(groups.group(name, stale)));
        return;
      }
      long afterIndex = afterIndex(after);
      Duration timeout = watchTimeout(timeoutSeconds);
      async.setTimeout(timeout.plus(WATCH_GRACE).toMillis(), TimeUnit.MILLISECONDS);
      async.setTimeoutHandler(
          late ->
              late.resume(
                  ApiExceptionMapper.unavailable(
                      "the watch of group '"
                          + name
                          + "' got no answer in time; watch again with after="
                          + afterIndex)));
      groups
          .watch(name, afterIndex, timeout, stale)
          .whenComplete(
              (view, failure) -> {
                if (failure != null) {
                  async.resume(failure);
                } else {
                  async.resume(GroupDetailView.of(view));
                }
              });
    } catch (RuntimeException e) {
      async.resume(e);
    }
  }

  @PUT
  @Path("{group}/members/{id}")
  @Consumes(MediaType.WILDCARD)
  @Operation(
      operationId = "joinGroup",
      summary = "Join a group, or renew and update a membership",
      description =
          "Makes the id a member of the group with the body's address, lease, metadata and probe;"
              + " if it is one, renews it and updates what differs. Answers once the join is"
              + " committed and applied. Any node takes it: a follower passes it on to the"
              + " leader. Joining again is harmless, so a client that lost the answer repeats it.")
  @RequestBody(
      required = true,
      description = "What the member joins with, JSON of at most 64 KiB",
      content =
          @Content(
              mediaType = MediaType.APPLICATION_JSON,
              schema = @Schema(implementation = JoinRequest.class)))
  @APIResponse(
      responseCode = "200",
      description = "It was a member: renewed, and updated where the body differs",
      content =
          @Content(
              mediaType = MediaType.APPLICATION_JSON,
              schema = @Schema(implementation = JoinView.class)))
  @APIResponse(
      responseCode = "201",
      description = "A new member",
      headers =
          @Header(
              name = "Location",
              description = "The member's URL",
              schema = @Schema(type = SchemaType.STRING)),
      content =
          @Content(
              mediaType = MediaType.APPLICATION_JSON,
              schema = @Schema(implementation = JoinView.class)))
  @APIResponse(
      responseCode = "400",
      description =
          "The group name or member id is not valid, the body is not JSON, has a field a join"
              + " does not take or one of the wrong type, or a value breaks a rule (no address,"
              + " ttlSeconds not 1 to 3600, meta too large, an unknown probe, an address the"
              + " probe cannot reach); nothing changed",
      content =
          @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(ref = "ErrorBody")))
  @APIResponse(responseCode = "401", ref = SpindleApi.UNAUTHORIZED)
  @APIResponse(responseCode = "403", ref = SpindleApi.FORBIDDEN)
  @APIResponse(
      responseCode = "409",
      description =
          "The join would pass a bound (10,000 members in a group, 10,000 groups), or this node"
              + " stopped leading during the join; nothing changed",
      content =
          @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(ref = "ErrorBody")))
  @APIResponse(
      responseCode = "413",
      description = "The body is over 64 KiB; nothing changed",
      content =
          @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(ref = "ErrorBody")))
  @APIResponse(responseCode = "500", ref = SpindleApi.FAILED)
  @APIResponse(responseCode = "503", ref = SpindleApi.UNAVAILABLE)
  public Response join(
      @Parameter(description = GROUP, required = true, example = "web") @PathParam("group")
          String group,
      @Parameter(description = MEMBER, required = true, example = "web-1") @PathParam("id")
          String id,
      @Parameter(description = "The body's size; over 64 KiB the join is refused (413) at once")
          @HeaderParam("Content-Length")
          Long contentLength,
      InputStream body) {
    GroupName name = GroupName.of(group);
    MemberId member = MemberId.of(id);
    if (contentLength != null && contentLength > MAX_BODY_BYTES) {
      return tooLarge(contentLength);
    }
    byte[] json = readBounded(body, MAX_BODY_BYTES);
    if (json == null) {
      return tooLarge(null);
    }
    return join(name, member, JoinRequest.parse(json).spec(), json);
  }

  /** A join whose body was read ({@code json}) and checked ({@code spec}). */
  Response join(GroupName name, MemberId member, MemberSpec spec, byte[] json) {
    if (!forwarder.leaderTakes(headers)) {
      return forwarder.forwardChange(
          "PUT",
          List.of("groups", name.value(), "members", member.value()),
          json,
          uriInfo.getAbsolutePath());
    }
    JoinOutcome outcome = groups.join(name, member, spec);
    JoinView view = JoinView.of(outcome);
    return outcome.created()
        ? Response.created(uriInfo.getAbsolutePath()).entity(view).build()
        : Response.ok(view).build();
  }

  @POST
  @Path("{group}/members/{id}/renew")
  @Consumes(MediaType.WILDCARD)
  @Operation(
      operationId = "renewMember",
      summary = "Renew a member's lease",
      description =
          "A full lease from now, as the leader measures it; cheaper than joining again (no body,"
              + " and the log records renewals about once a second). Any node takes it: a"
              + " follower passes it on to the leader, with the other renewals it holds at the"
              + " time (POST /api/renewals renews many members in one request).")
  @APIResponse(
      responseCode = "200",
      description = "Renewed: the member",
      content =
          @Content(
              mediaType = MediaType.APPLICATION_JSON,
              schema = @Schema(implementation = MemberView.class)))
  @APIResponse(
      responseCode = "400",
      description = "The group name or member id is not valid",
      content =
          @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(ref = "ErrorBody")))
  @APIResponse(responseCode = "401", ref = SpindleApi.UNAUTHORIZED)
  @APIResponse(responseCode = "403", ref = SpindleApi.FORBIDDEN)
  @APIResponse(responseCode = "404", ref = SpindleApi.NOT_A_MEMBER)
  @APIResponse(responseCode = "409", ref = SpindleApi.LEADERSHIP_LOST)
  @APIResponse(responseCode = "500", ref = SpindleApi.FAILED)
  @APIResponse(responseCode = "503", ref = SpindleApi.UNAVAILABLE)
  public void renew(
      @Parameter(description = GROUP, required = true, example = "web") @PathParam("group")
          String group,
      @Parameter(description = MEMBER, required = true, example = "web-1") @PathParam("id")
          String id,
      @Suspended AsyncResponse async) {
    try {
      MemberKey member = new MemberKey(GroupName.of(group), MemberId.of(id));
      if (!forwarder.leaderTakes(headers)) {
        // Through a follower: passed on to the leader with the other renewals waiting here.
        renewals
            .renew(member)
            .whenComplete((answer, failure) -> async.resume(failure != null ? failure : answer));
        return;
      }
      async.resume(Response.ok(MemberView.of(groups.renew(member.group(), member.id()))).build());
    } catch (RuntimeException e) {
      async.resume(e);
    }
  }

  @DELETE
  @Path("{group}/members/{id}")
  @Operation(
      operationId = "leaveGroup",
      summary = "Leave a group",
      description =
          "Removes the member once the removal is committed and applied. Any node takes it: a"
              + " follower passes it on to the leader.")
  @APIResponse(responseCode = "204", description = "Left")
  @APIResponse(
      responseCode = "400",
      description = "The group name or member id is not valid",
      content =
          @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(ref = "ErrorBody")))
  @APIResponse(responseCode = "401", ref = SpindleApi.UNAUTHORIZED)
  @APIResponse(responseCode = "403", ref = SpindleApi.FORBIDDEN)
  @APIResponse(responseCode = "404", ref = SpindleApi.NOT_A_MEMBER)
  @APIResponse(responseCode = "409", ref = SpindleApi.LEADERSHIP_LOST)
  @APIResponse(responseCode = "500", ref = SpindleApi.FAILED)
  @APIResponse(responseCode = "503", ref = SpindleApi.UNAVAILABLE)
  public Response leave(
      @Parameter(description = GROUP, required = true, example = "web") @PathParam("group")
          String group,
      @Parameter(description = MEMBER, required = true, example = "web-1") @PathParam("id")
          String id) {
    GroupName name = GroupName.of(group);
    MemberId member = MemberId.of(id);
    if (!forwarder.leaderTakes(headers)) {
      return forwarder.forwardChange(
          "DELETE",
          List.of("groups", name.value(), "members", member.value()),
          null,
          uriInfo.getAbsolutePath());
    }
    if (!groups.leave(name, member)) {
      throw new NoSuchMemberException(
          "'" + member + "' is not a member of group '" + name + "'; nothing to leave");
    }
    return Response.noContent().build();
  }

  /** {@code after}: the watcher's index, 0 or more. */
  static long afterIndex(String after) {
    if (after == null || after.isBlank()) {
      throw badRequest(
          "a watch needs after=INDEX, the index of the group's view the watcher has (0 for any"
              + " change)");
    }
    try {
      long index = Long.parseLong(after.trim());
      if (index >= 0) {
        return index;
      }
    } catch (NumberFormatException e) {
      // answered below
    }
    throw badRequest(
        "after is a log index, a whole number from 0 (the index a view of the group carries),"
            + " not '"
            + after
            + "'");
  }

  /** {@code timeoutSeconds}: 1 to 60, 30 if not given. */
  static Duration watchTimeout(String seconds) {
    if (seconds == null || seconds.isBlank()) {
      return Duration.ofSeconds(DEFAULT_WATCH_SECONDS);
    }
    try {
      int s = Integer.parseInt(seconds.trim());
      if (s >= 1 && s <= MAX_WATCH_SECONDS) {
        return Duration.ofSeconds(s);
      }
    } catch (NumberFormatException e) {
      // answered below
    }
    throw badRequest(
        "timeoutSeconds is how long a watch waits, 1 to "
            + MAX_WATCH_SECONDS
            + " seconds, not '"
            + seconds
            + "'");
  }

  /** The body, or null if it is longer than {@code max} bytes. */
  static byte[] readBounded(InputStream body, int max) {
    if (body == null) {
      return new byte[0];
    }
    try {
      byte[] json = body.readNBytes(max + 1);
      return json.length > max ? null : json;
    } catch (IOException e) {
      throw badRequest("the request's body could not be read (" + e.getMessage() + ")");
    }
  }

  private static Response tooLarge(Long length) {
    return ApiExceptionMapper.error(
        Response.Status.REQUEST_ENTITY_TOO_LARGE,
        "a join's body is at most "
            + MAX_BODY_BYTES
            + " bytes"
            + (length == null ? "" : ", not " + length)
            + "; meta holds at most 8 KiB");
  }

  /** A 400 with the sentence ({@link ApiExceptionMapper} maps the domain's invalid request). */
  private static InvalidGroupRequestException badRequest(String sentence) {
    return new InvalidGroupRequestException(sentence);
  }

  private static final String GROUP = "The group's name, one path segment";
  private static final String MEMBER = "The member's id in the group, one path segment";
  private static final String STALE =
      "true: this node's copy as it is, without a linearizable read through the leader";
}
