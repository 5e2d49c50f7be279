package io.spindle.web.api;

import io.spindle.node.application.FileService;
import io.spindle.node.application.NotLeaderException;
import io.spindle.node.domain.FileInfo;
import io.spindle.node.domain.FileName;
import io.spindle.node.infrastructure.runtime.NodeRuntime;
import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.StreamingOutput;
import jakarta.ws.rs.core.UriBuilder;
import jakarta.ws.rs.core.UriInfo;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.util.List;
import java.util.UUID;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * {@code /api/files}: the replicated file store. Names are object-store keys ({@code docs/a.txt});
 * reads are linearizable unless {@code ?stale=true}.
 *
 * <p><b>Writes on a follower</b> ({@code PUT}, {@code DELETE}) are answered {@code 307 Temporary
 * Redirect} with {@code Location} set to the same path on the leader, before any of the body is
 * read: the client (e.g. {@code curl -L}) re-sends it there, so an upload is never buffered or
 * proxied through a follower. With no known leader the answer is {@code 503}.
 *
 * <p>A {@code PUT} may carry an {@code Idempotency-Key} header: a retry with the same key has one
 * effect.
 */
@Path("files")
@RequestScoped
@Produces(MediaType.APPLICATION_JSON)
public class FileResource {
  @Inject FileService files;
  @Inject NodeRuntime node;

  @Inject
  @ConfigProperty(name = "spindle.files.max-bytes", defaultValue = "4294967296")
  long maxBytes;

  @Context UriInfo uriInfo;

  @GET
  public List<FileView> list(@QueryParam("stale") boolean stale) {
    return files.list(stale).stream().map(FileView::of).toList();
  }

  @GET
  @Path("{name: .+}")
  @Produces(MediaType.WILDCARD)
  public Response read(@PathParam("name") String name, @QueryParam("stale") boolean stale) {
    FileName fileName = FileName.of(name);
    FileInfo info = files.stat(fileName, stale).orElseThrow(() -> missing(fileName));
    // The stat fixed the linearization point; this replica has applied at least up to it.
    StreamingOutput body = out -> files.read(fileName, true, out);
    return Response.ok(body, MediaType.APPLICATION_OCTET_STREAM_TYPE)
        .header("Content-Length", info.size())
        .header("ETag", "\"" + info.sha256() + "\"")
        .header("X-Spindle-Sha256", info.sha256())
        .build();
  }

  @PUT
  @Path("{name: .+}")
  @Consumes(MediaType.WILDCARD)
  public Response write(
      @PathParam("name") String name,
      @HeaderParam("Content-Length") Long contentLength,
      @HeaderParam("Idempotency-Key") String idempotencyKey,
      InputStream content)
      throws IOException {
    FileName fileName = FileName.of(name);
    long expected = contentLength == null ? -1 : contentLength;
    if (expected > maxBytes) {
      return ApiExceptionMapper.error(
          Response.Status.REQUEST_ENTITY_TOO_LARGE,
          "the file is " + expected + " bytes; this cluster stores files of at most " + maxBytes);
    }
    Response redirect = redirectWritesToLeader(fileName);
    if (redirect != null) {
      return redirect;
    }
    String requestId =
        idempotencyKey == null || idempotencyKey.isBlank()
            ? UUID.randomUUID().toString()
            : idempotencyKey.trim();
    FileInfo stored = files.put(fileName, content, expected, requestId);
    return Response.created(uriInfo.getRequestUri()).entity(FileView.of(stored)).build();
  }

  @DELETE
  @Path("{name: .+}")
  public Response delete(
      @PathParam("name") String name, @HeaderParam("Idempotency-Key") String idempotencyKey) {
    FileName fileName = FileName.of(name);
    Response redirect = redirectWritesToLeader(fileName);
    if (redirect != null) {
      return redirect;
    }
    String requestId =
        idempotencyKey == null || idempotencyKey.isBlank()
            ? UUID.randomUUID().toString()
            : idempotencyKey.trim();
    if (!files.delete(fileName, requestId)) {
      throw missing(fileName);
    }
    return Response.noContent().build();
  }

  /** 307 to the leader, 503 with none, or null on the leader itself. */
  private Response redirectWritesToLeader(FileName name) {
    if (node.status().isLeader()) {
      return null;
    }
    URI leader =
        node.leaderHttpUrl().orElseThrow(() -> new NotLeaderException(java.util.Optional.empty()));
    UriBuilder target = UriBuilder.fromUri(leader).path("api").path("files");
    for (String segment : name.value().split("/")) {
      target.segment(segment);
    }
    String query = uriInfo.getRequestUri().getRawQuery();
    if (query != null) {
      target.replaceQuery(query);
    }
    URI location = target.build();
    return Response.temporaryRedirect(location)
        .entity(
            new ErrorBody(
                "this node is not the leader; send writes to " + leader + " (follow Location)"))
        .build();
  }

  private static NotFoundException missing(FileName name) {
    return new NotFoundException("there is no file named '" + name + "'");
  }
}
