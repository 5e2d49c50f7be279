package io.spindle.web.api;

import io.spindle.node.application.FileService;
import io.spindle.node.application.NodeFacade;
import io.spindle.node.application.NotLeaderException;
import io.spindle.node.domain.FileInfo;
import io.spindle.node.domain.FileName;
import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.BadRequestException;
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
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.StreamingOutput;
import jakarta.ws.rs.core.UriInfo;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;

/**
 * {@code /api/files}: the replicated file store. Names are object-store keys ({@code docs/a.txt});
 * reads are linearizable unless {@code ?stale=true}.
 *
 * <p><b>Writes on a follower</b> ({@code PUT}, {@code DELETE}) are passed on to the leader by
 * {@link LeaderForwarder}, the body streamed through; with no known leader the answer is {@code
 * 503} with {@code Retry-After}.
 *
 * <p>A {@code PUT} may carry an {@code Idempotency-Key} header: a retry with the same key has one
 * effect.
 */
@Path("files")
@RequestScoped
@Produces(MediaType.APPLICATION_JSON)
public class FileResource {
  @Inject FileService files;
  @Inject NodeFacade node;

  @Inject LeaderForwarder forwarder;

  @Context UriInfo uriInfo;
  @Context HttpHeaders headers;

  @GET
  public List<FileView> list(@QueryParam("stale") boolean stale) {
    return files.list(stale).stream().map(FileView::of).toList();
  }

  @GET
  @Path("{name: .+}")
  @Produces(MediaType.WILDCARD)
  public Response read(
      @PathParam("name") String name,
      @QueryParam("stale") boolean stale,
      @QueryParam("chunk") Integer chunk,
      @QueryParam("sha256") String sha256) {
    FileName fileName = FileName.of(name);
    if (chunk != null) {
      return readChunk(fileName, chunk, sha256);
    }
    FileInfo info = files.stat(fileName, stale).orElseThrow(() -> missing(fileName));
    // The stat fixed the linearization point; this replica has applied at least up to it.
    StreamingOutput body = out -> files.read(fileName, true, out);
    return Response.ok(body, MediaType.APPLICATION_OCTET_STREAM_TYPE)
        .header("Content-Length", info.size())
        .header("ETag", "\"" + info.sha256() + "\"")
        .header("X-Spindle-Sha256", info.sha256())
        .build();
  }

  /**
   * {@code ?chunk=N[&sha256=HEX]}: chunk N of this node's copy, for a client fetching the chunks of
   * a file from several nodes; 404 if there is no such file or chunk here, 409 if the file's
   * content is no longer the one {@code sha256} names (the file was replaced: read its layout
   * again).
   */
  private Response readChunk(FileName name, int index, String sha256) {
    Optional<String> expected = Optional.ofNullable(sha256).map(s -> s.toLowerCase(Locale.ROOT));
    Optional<byte[]> data = files.chunk(name, index, expected);
    if (data.isPresent()) {
      return Response.ok(data.get(), MediaType.APPLICATION_OCTET_STREAM_TYPE).build();
    }
    if (expected.isPresent() && files.chunk(name, index, Optional.empty()).isPresent()) {
      return ApiExceptionMapper.error(
          Response.Status.CONFLICT,
          "'"
              + name
              + "' changed since its layout was read (its SHA-256 is no longer "
              + sha256
              + "); read the file's layout again");
    }
    throw new NotFoundException("there is no chunk " + index + " of a file named '" + name + "'");
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
    Optional<String> full = node.diskWriteProblem();
    if (full.isPresent()) {
      // 507 Insufficient Storage (RFC 4918): nothing is stored; reads go on.
      return Response.status(507)
          .entity(new ErrorBody(full.get()))
          .type(MediaType.APPLICATION_JSON_TYPE)
          .build();
    }
    long expected = contentLength == null ? -1 : contentLength;
    long maxBytes = node.maxFileBytes();
    if (expected > maxBytes) {
      return ApiExceptionMapper.error(
          Response.Status.REQUEST_ENTITY_TOO_LARGE,
          "the file is " + expected + " bytes; this cluster stores files of at most " + maxBytes);
    }
    String requestId = requestId(idempotencyKey);
    InputStream limited = new SizeLimitedInputStream(content, maxBytes);
    if (!node.status().isLeader()) {
      return forwarder.put(
          fileName,
          uriInfo.getRequestUri().getRawQuery(),
          limited,
          expected,
          headers.getHeaderString("Content-Type"),
          requestId);
    }
    FileInfo stored = files.put(fileName, limited, expected, requestId);
    return Response.created(uriInfo.getRequestUri()).entity(FileView.of(stored)).build();
  }

  @DELETE
  @Path("{name: .+}")
  public Response delete(
      @PathParam("name") String name, @HeaderParam("Idempotency-Key") String idempotencyKey) {
    FileName fileName = FileName.of(name);
    String requestId = requestId(idempotencyKey);
    if (!node.status().isLeader()) {
      return forwarder.delete(fileName, uriInfo.getRequestUri().getRawQuery(), requestId);
    }
    if (!files.delete(fileName, requestId)) {
      throw missing(fileName);
    }
    return Response.noContent().build();
  }

  /**
   * The client's idempotency key, or a new one. A write that was already forwarded once is not
   * forwarded again: if this node does not lead (any more), the client is told to retry. A key
   * names one request (operation, name, content): the store refuses it for another with 409.
   */
  private String requestId(String idempotencyKey) {
    if (headers.getHeaderString(LeaderForwarder.FORWARDED) != null && !node.status().isLeader()) {
      throw new NotLeaderException(Optional.empty());
    }
    if (idempotencyKey == null || idempotencyKey.isBlank()) {
      return UUID.randomUUID().toString();
    }
    String key = idempotencyKey.trim();
    if (key.length() > MAX_IDEMPOTENCY_KEY_LENGTH
        || !key.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
      throw new BadRequestException(
          ApiExceptionMapper.error(
              Response.Status.BAD_REQUEST,
              "an Idempotency-Key has 1 to "
                  + MAX_IDEMPOTENCY_KEY_LENGTH
                  + " printable ASCII characters without spaces (a UUID fits); this one has "
                  + key.length()
                  + " characters"));
    }
    return key;
  }

  /** As long as a request id of the store and of the queue protocol. */
  static final int MAX_IDEMPOTENCY_KEY_LENGTH = 128;

  private static NotFoundException missing(FileName name) {
    return new NotFoundException("there is no file named '" + name + "'");
  }
}
