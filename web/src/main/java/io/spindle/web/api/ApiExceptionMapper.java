package io.spindle.web.api;

import io.spindle.node.application.ClusterUnavailableException;
import io.spindle.node.application.FileChangedException;
import io.spindle.node.application.GroupLimitException;
import io.spindle.node.application.NoSuchMemberException;
import io.spindle.node.application.NotAVoterException;
import io.spindle.node.application.NotLeaderException;
import io.spindle.node.application.RequestIdConflictException;
import io.spindle.node.domain.InvalidFileNameException;
import io.spindle.node.domain.group.InvalidGroupRequestException;
import io.spindle.raft.server.RaftException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.ExceptionMapper;
import jakarta.ws.rs.ext.Provider;
import java.util.UUID;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Turns every failure of the API into {@code {"error": "..."}} with a fitting status; nothing else
 * ever reaches a client. Unexpected failures are logged with an id the client sees, so an operator
 * can find the stack trace in the node's log.
 */
@Provider
public class ApiExceptionMapper implements ExceptionMapper<Throwable> {
  private static final Logger LOG = Logger.getLogger(ApiExceptionMapper.class.getName());

  @Override
  public Response toResponse(Throwable thrown) {
    Throwable e = unwrap(thrown);
    if (e instanceof WebApplicationException web) {
      Response original = web.getResponse();
      if (original.hasEntity() && original.getEntity() instanceof ErrorBody) {
        return original;
      }
      String message = web.getMessage();
      if (message == null || message.startsWith("HTTP ")) {
        message = genericMessage(original.getStatus());
      }
      return Response.fromResponse(original)
          .entity(new ErrorBody(message))
          .type(MediaType.APPLICATION_JSON_TYPE)
          .build();
    }
    if (e instanceof FileTooLargeException) {
      return error(Response.Status.REQUEST_ENTITY_TOO_LARGE, e.getMessage());
    }
    if (e instanceof java.io.IOException) {
      // Reading the upload failed (cut off, or longer or shorter than announced): nothing stored.
      return error(Response.Status.BAD_REQUEST, "the upload failed: " + e.getMessage());
    }
    if (e instanceof InvalidFileNameException) {
      return error(Response.Status.BAD_REQUEST, "bad file name: " + e.getMessage());
    }
    if (e instanceof NotAVoterException) {
      return error(Response.Status.BAD_REQUEST, e.getMessage());
    }
    if (e instanceof InvalidGroupRequestException) {
      return error(Response.Status.BAD_REQUEST, e.getMessage());
    }
    if (e instanceof NoSuchMemberException) {
      return error(Response.Status.NOT_FOUND, e.getMessage());
    }
    if (e instanceof GroupLimitException) {
      return error(Response.Status.CONFLICT, e.getMessage());
    }
    if (e instanceof FileChangedException || e instanceof RequestIdConflictException) {
      return error(Response.Status.CONFLICT, e.getMessage());
    }
    if (e instanceof NotLeaderException notLeader) {
      return notLeader
          .leaderHttpUrl()
          .map(url -> error(Response.Status.CONFLICT, e.getMessage()))
          .orElseGet(() -> unavailable(e.getMessage()));
    }
    if (e instanceof io.spindle.raft.server.NotLeaderException) {
      return unavailable(
          "the cluster has no leader this node can reach right now; retry in a moment");
    }
    if (e instanceof ClusterUnavailableException || e instanceof RaftException) {
      String message = String.valueOf(e.getMessage());
      return unavailable(message.contains("retry") ? message : message + "; retry in a moment");
    }
    String id = UUID.randomUUID().toString();
    LOG.log(Level.SEVERE, "request failed (error id " + id + ")", e);
    return error(
        Response.Status.INTERNAL_SERVER_ERROR,
        "the node failed to handle this request (error id " + id + " in its log)");
  }

  private static String genericMessage(int status) {
    switch (status) {
      case 404:
        return "nothing is found at this address; the API is /api/cluster, /api/files/{name},"
            + " /api/count?name={name} and /api/groups/{group}";
      case 405:
        return "this address does not take that HTTP method";
      case 406:
      case 415:
        return "this media type is not supported here";
      default:
        return "the request was refused (HTTP " + status + ")";
    }
  }

  static Response error(Response.Status status, String message) {
    return Response.status(status)
        .entity(new ErrorBody(message))
        .type(MediaType.APPLICATION_JSON_TYPE)
        .build();
  }

  static Response unavailable(String message) {
    return Response.status(Response.Status.SERVICE_UNAVAILABLE)
        .header("Retry-After", "1")
        .entity(new ErrorBody(message))
        .type(MediaType.APPLICATION_JSON_TYPE)
        .build();
  }

  private static Throwable unwrap(Throwable e) {
    Throwable t = e;
    while ((t instanceof CompletionException || t instanceof ExecutionException)
        && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }
}
