package io.spindle.web.api;

import io.spindle.node.application.ChunkRun;
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
@Tag(
    name = "files",
    description =
        "The replicated file store: names are keys like docs/a.txt (UTF-8, '/' allowed, at most"
            + " 1,024 bytes; no empty, '.' or '..' segment, no control characters)")
@RequestScoped
@Produces(MediaType.APPLICATION_JSON)
public class FileResource {
  @Inject FileService files;
  @Inject NodeFacade node;

  @Inject LeaderForwarder forwarder;

  @Context UriInfo uriInfo;
  @Context HttpHeaders headers;

  @GET
  @Operation(
      operationId = "listFiles",
      summary = "List the stored files",
      description =
          "Name, size, SHA-256, chunk count and time stored of every file: linearizable, or this"
              + " node's copy as it is with stale=true.")
  @APIResponse(
      responseCode = "200",
      description = "The stored files",
      content =
          @Content(
              mediaType = MediaType.APPLICATION_JSON,
              schema = @Schema(type = SchemaType.ARRAY, implementation = FileView.class)))
  @APIResponse(responseCode = "401", ref = SpindleApi.UNAUTHORIZED)
  @APIResponse(responseCode = "403", ref = SpindleApi.FORBIDDEN)
  @APIResponse(responseCode = "500", ref = SpindleApi.FAILED)
  @APIResponse(responseCode = "503", ref = SpindleApi.UNAVAILABLE)
  public List<FileView> list(@Parameter(description = STALE) @QueryParam("stale") boolean stale) {
    return files.list(stale).stream().map(FileView::of).toList();
  }

  @GET
  @Path("{name: .+}")
  @Produces(MediaType.WILDCARD)
  @Operation(
      operationId = "readFile",
      summary = "Read a file, or one chunk of this node's copy",
      description =
          "The file's bytes, linearizable unless stale=true. With chunk=N, chunk N (1 MiB each)"
              + " of this node's copy, for a client that fetches the chunks of a file from"
              + " several nodes; with chunks=K too, chunks N to N+K-1 one after the other in one"
              + " response; with sha256 too, only while the file still has that content.")
  @APIResponse(
      responseCode = "200",
      description = "The file's bytes, or the chunk's (the chunks')",
      headers = {
        @Header(
            name = "ETag",
            description = "The file's SHA-256 in quotes (not on a chunk)",
            schema = @Schema(type = SchemaType.STRING)),
        @Header(
            name = "X-Spindle-Sha256",
            description = "The file's SHA-256, lower-case hex (not on a chunk)",
            schema = @Schema(type = SchemaType.STRING))
      },
      content =
          @Content(
              mediaType = MediaType.APPLICATION_OCTET_STREAM,
              schema = @Schema(type = SchemaType.STRING, format = "binary", description = "Bytes")))
  @APIResponse(
      responseCode = "400",
      description =
          "The name is not a valid file name, or chunks is not a positive number or comes without"
              + " chunk",
      content =
          @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(ref = "ErrorBody")))
  @APIResponse(responseCode = "401", ref = SpindleApi.UNAUTHORIZED)
  @APIResponse(responseCode = "403", ref = SpindleApi.FORBIDDEN)
  @APIResponse(
      responseCode = "404",
      description =
          "There is no file of that name, or this node has no such chunk of it (or not all of"
              + " the chunks asked for; or chunk is not a number)",
      content =
          @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(ref = "ErrorBody")))
  @APIResponse(
      responseCode = "409",
      description =
          "chunk with sha256: the file's content is no longer the one sha256 names (it was"
              + " replaced); read the file's layout again",
      content =
          @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(ref = "ErrorBody")))
  @APIResponse(responseCode = "500", ref = SpindleApi.FAILED)
  @APIResponse(responseCode = "503", ref = SpindleApi.UNAVAILABLE)
  public Response read(
      @Parameter(description = NAME, required = true, example = "docs/notes.txt") @PathParam("name")
          String name,
      @Parameter(description = STALE) @QueryParam("stale") boolean stale,
      @Parameter(description = "Read only chunk N (from 0) of this node's copy")
          @QueryParam("chunk")
          Integer chunk,
      @Parameter(
              description =
                  "With chunk: how many chunks from chunk N on, streamed one after the other"
                      + " (1 by default)")
          @QueryParam("chunks")
          String chunks,
      @Parameter(
              description =
                  "With chunk: the SHA-256 (hex) of the file the chunk must belong to, as its"
                      + " layout said")
          @QueryParam("sha256")
          String sha256) {
    FileName fileName = FileName.of(name);
    if (chunks != null) {
      if (chunk == null) {
        throw new BadRequestException("chunks=" + chunks + " needs chunk=N, the first of them");
      }
      return readChunks(fileName, chunk, chunkCount(chunks), sha256);
    }
    if (chunk != null) {
      return readChunk(fileName, chunk, sha256);
    }
    Optional<Found> found = consistentContent(files, fileName, stale);
    if (found.isEmpty()) {
      return ApiExceptionMapper.unavailable(
          "'" + fileName + "' was replaced again and again while being read; read it again");
    }
    FileInfo info = found.get().info();
    ChunkRun run = found.get().run();
    byte[] whole = found.get().whole();
    return content(
        info, run == null ? out -> out.write(whole) : out -> files.writeChunks(run, out));
  }

  /**
   * A file as one look-up found it, and that very content: in memory if it is one chunk at most
   * ({@code whole}), else the run of chunks to stream ({@code run}).
   */
  record Found(FileInfo info, ChunkRun run, byte[] whole) {}

  /**
   * The file and exactly the content the look-up found (a file of one chunk read at once, in the
   * same query that checks its digest), so that the body is the content the headers describe. The
   * first look-up fixes the linearization point (this replica has applied at least up to it); a
   * file replaced before its chunks are found is looked up again, a later state still within the
   * request. Empty when it was replaced {@value #MAX_READ_ATTEMPTS} times over.
   */
  static Optional<Found> consistentContent(FileService files, FileName name, boolean stale) {
    FileInfo info = files.stat(name, stale).orElseThrow(() -> missing(name));
    for (int attempt = 1; attempt <= MAX_READ_ATTEMPTS; attempt++) {
      if (info.chunkCount() == 0) {
        return Optional.of(new Found(info, null, new byte[0]));
      }
      if (info.chunkCount() == 1) {
        Optional<byte[]> chunk = files.chunk(name, 0, Optional.of(info.sha256()));
        if (chunk.isPresent()) {
          return Optional.of(new Found(info, null, chunk.get()));
        }
      } else {
        Optional<ChunkRun> run =
            files.chunkRun(name, 0, info.chunkCount(), Optional.of(info.sha256()));
        if (run.isPresent()) {
          return Optional.of(new Found(info, run.get(), null));
        }
      }
      info = files.stat(name, true).orElseThrow(() -> missing(name));
    }
    return Optional.empty();
  }

  private static Response content(FileInfo info, StreamingOutput body) {
    return Response.ok(body, MediaType.APPLICATION_OCTET_STREAM_TYPE)
        .header("Content-Length", info.size())
        .header("ETag", "\"" + info.sha256() + "\"")
        .header("X-Spindle-Sha256", info.sha256())
        .build();
  }

  /** How often a plain GET looks the file up again when it was replaced before its body went. */
  private static final int MAX_READ_ATTEMPTS = 8;

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
      return changed(name, sha256);
    }
    throw new NotFoundException("there is no chunk " + index + " of a file named '" + name + "'");
  }

  /**
   * {@code ?chunk=N&chunks=K[&sha256=HEX]}: chunks N to N+K-1 of this node's copy in one streamed
   * response (one chunk in memory at a time), for a client that reads a large file in a few long
   * requests rather than one per chunk; 404 and 409 as for one chunk. Should the file be replaced
   * while the chunks stream, the response ends short and the client reads the layout again.
   */
  private Response readChunks(FileName name, int first, int count, String sha256) {
    Optional<String> expected = Optional.ofNullable(sha256).map(s -> s.toLowerCase(Locale.ROOT));
    Optional<ChunkRun> run = files.chunkRun(name, first, count, expected);
    if (run.isEmpty()) {
      if (expected.isPresent()
          && files.chunkRun(name, first, count, Optional.empty()).isPresent()) {
        return changed(name, sha256);
      }
      throw new NotFoundException(
          "there are no chunks "
              + first
              + " to "
              + ((long) first + count - 1)
              + " of a file named '"
              + name
              + "'");
    }
    StreamingOutput body = out -> files.writeChunks(run.get(), out);
    return Response.ok(body, MediaType.APPLICATION_OCTET_STREAM_TYPE)
        .header("Content-Length", run.get().bytes())
        .build();
  }

  private static int chunkCount(String chunks) {
    try {
      int count = Integer.parseInt(chunks);
      if (count >= 1) {
        return count;
      }
    } catch (NumberFormatException e) {
      // the sentence below says what is wanted
    }
    throw new BadRequestException(
        "chunks must be a positive number of chunks, got '" + chunks + "'");
  }

  private static Response changed(FileName name, String sha256) {
    return ApiExceptionMapper.error(
        Response.Status.CONFLICT,
        "'"
            + name
            + "' changed since its layout was read (its SHA-256 is no longer "
            + sha256
            + "); read the file's layout again");
  }

  @PUT
  @Path("{name: .+}")
  @Consumes(MediaType.WILDCARD)
  @Operation(
      operationId = "writeFile",
      summary = "Store a file",
      description =
          "Stores the body under the name, replacing any file of that name, streamed (never held"
              + " whole); answers once the write is committed and applied. Any node takes it: a"
              + " follower passes it on to the leader and relays the leader's answer. A retry"
              + " with the same Idempotency-Key has one effect.")
  @RequestBody(
      required = true,
      description = "The file's bytes, of any content type",
      content =
          @Content(
              mediaType = MediaType.WILDCARD,
              schema = @Schema(type = SchemaType.STRING, format = "binary", description = "Bytes")))
  @APIResponse(
      responseCode = "201",
      description = "Stored (or a retry of a write that was)",
      headers = {
        @Header(
            name = "Location",
            description = "The file's URL",
            schema = @Schema(type = SchemaType.STRING)),
        @Header(
            name = "Idempotency-Key",
            description =
                "The key the write went to the leader with, when a follower passed it on (one is"
                    + " made up if the client sent none)",
            schema = @Schema(type = SchemaType.STRING))
      },
      content =
          @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(ref = "FileView")))
  @APIResponse(
      responseCode = "400",
      description =
          "The name is not a valid file name, the Idempotency-Key is not 1 to 128 printable"
              + " characters, or the upload failed (cut off, or longer or shorter than"
              + " Content-Length); nothing was stored",
      content =
          @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(ref = "ErrorBody")))
  @APIResponse(responseCode = "401", ref = SpindleApi.UNAUTHORIZED)
  @APIResponse(responseCode = "403", ref = SpindleApi.FORBIDDEN)
  @APIResponse(
      responseCode = "409",
      description =
          "The Idempotency-Key was already used for another request (another name, content or a"
              + " delete), or this node stopped leading during the write; nothing was stored",
      content =
          @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(ref = "ErrorBody")))
  @APIResponse(
      responseCode = "413",
      description =
          "The file is larger than the cluster stores in one file (spindle.files.max-bytes),"
              + " whether announced by Content-Length or found while streaming; nothing was"
              + " stored",
      content =
          @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(ref = "ErrorBody")))
  @APIResponse(responseCode = "500", ref = SpindleApi.FAILED)
  @APIResponse(
      responseCode = "503",
      description =
          "No leader to take the write, or it could not be passed on to the leader (it may or"
              + " may not have happened): retry with the same Idempotency-Key after Retry-After",
      headers = {
        @Header(
            name = "Retry-After",
            description = "Seconds to wait before retrying",
            schema = @Schema(type = SchemaType.INTEGER)),
        @Header(
            name = "Idempotency-Key",
            description = "The key to retry with, when a follower tried to pass the write on",
            schema = @Schema(type = SchemaType.STRING))
      },
      content =
          @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(ref = "ErrorBody")))
  @APIResponse(
      responseCode = "507",
      description =
          "The node's disk is below the free space it keeps (spindle.files.min-free-bytes):"
              + " it takes no writes; reads go on",
      content =
          @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(ref = "ErrorBody")))
  public Response write(
      @Parameter(description = NAME, required = true, example = "docs/notes.txt") @PathParam("name")
          String name,
      @Parameter(
              description =
                  "The body's size; over the cluster's maximum file size the write is refused"
                      + " (413) before the body is read. Without it (chunked), the limit holds"
                      + " while streaming")
          @HeaderParam("Content-Length")
          Long contentLength,
      @Parameter(description = IDEMPOTENCY_KEY) @HeaderParam("Idempotency-Key")
          String idempotencyKey,
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
  @Operation(
      operationId = "deleteFile",
      summary = "Delete a file",
      description =
          "Deletes the file once the delete is committed. Any node takes it: a follower passes it"
              + " on to the leader.")
  @APIResponse(responseCode = "204", description = "Deleted")
  @APIResponse(
      responseCode = "400",
      description = "The name is not a valid file name, or the Idempotency-Key is not valid",
      content =
          @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(ref = "ErrorBody")))
  @APIResponse(responseCode = "401", ref = SpindleApi.UNAUTHORIZED)
  @APIResponse(responseCode = "403", ref = SpindleApi.FORBIDDEN)
  @APIResponse(
      responseCode = "404",
      description = "There was no file of that name",
      content =
          @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(ref = "ErrorBody")))
  @APIResponse(
      responseCode = "409",
      description =
          "The Idempotency-Key was already used for another request, or this node stopped"
              + " leading during the delete",
      content =
          @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(ref = "ErrorBody")))
  @APIResponse(responseCode = "500", ref = SpindleApi.FAILED)
  @APIResponse(responseCode = "503", ref = SpindleApi.UNAVAILABLE)
  public Response delete(
      @Parameter(description = NAME, required = true, example = "docs/notes.txt") @PathParam("name")
          String name,
      @Parameter(description = IDEMPOTENCY_KEY) @HeaderParam("Idempotency-Key")
          String idempotencyKey) {
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

  private static final String NAME =
      "The file's name, a key like docs/notes.txt; its '/' are part of the path";
  private static final String STALE =
      "true: this node's copy as it is, without a linearizable read through the leader";
  private static final String IDEMPOTENCY_KEY =
      "1 to 128 printable ASCII characters without spaces (a UUID fits): a retry with the same"
          + " key has one effect; the key names one request (operation, name, content)";

  /** As long as a request id of the store and of the queue protocol. */
  static final int MAX_IDEMPOTENCY_KEY_LENGTH = 128;

  private static NotFoundException missing(FileName name) {
    return new NotFoundException("there is no file named '" + name + "'");
  }
}
