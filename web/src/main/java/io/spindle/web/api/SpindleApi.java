package io.spindle.web.api;

import jakarta.ws.rs.ApplicationPath;
import jakarta.ws.rs.core.Application;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Components;
import org.eclipse.microprofile.openapi.annotations.OpenAPIDefinition;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.enums.SecuritySchemeType;
import org.eclipse.microprofile.openapi.annotations.headers.Header;
import org.eclipse.microprofile.openapi.annotations.info.Info;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;
import org.eclipse.microprofile.openapi.annotations.security.SecurityScheme;

/**
 * The REST API's root: every resource lives under {@code /api}. Its OpenAPI description, served at
 * {@code /openapi}, starts here: the document's info, the client token every request proves, and
 * the answers several resource methods share ({@value #UNAUTHORIZED}, {@value #FORBIDDEN}, {@value
 * #UNAVAILABLE}, {@value #FAILED}, {@value #LEADERSHIP_LOST}, {@value #NOT_A_MEMBER}), which the
 * methods name with {@code ref}. {@link ApiDocumentFilter} completes the document (the build's
 * version, plain path templates).
 */
@ApplicationPath("api")
@OpenAPIDefinition(
    info =
        @Info(
            title = "Spindle",
            // The build's version replaces this (ApiDocumentFilter): annotations take constants
            // only.
            version = "unknown",
            description =
                "The REST API of a Spindle node, a Raft-replicated file store. Every node answers"
                    + " every request: reads are linearizable (a ReadIndex round through the"
                    + " leader) unless they ask for this node's copy with stale=true, and a write"
                    + " that reaches a follower is passed on to the leader. Every request proves a"
                    + " client token (Authorization: Bearer <token>); a token has the read right,"
                    + " the write right or both. Errors are JSON: {\"error\": \"...\"}, one"
                    + " sentence saying what was wrong and what to do. /openapi, /health and"
                    + " /metrics answer anyone."),
    security = @SecurityRequirement(name = SpindleApi.CLIENT_TOKEN),
    components =
        @Components(
            securitySchemes =
                @SecurityScheme(
                    securitySchemeName = SpindleApi.CLIENT_TOKEN,
                    type = SecuritySchemeType.HTTP,
                    scheme = "bearer",
                    bearerFormat = "opaque client token (spt_...)",
                    description =
                        "A client token the cluster knows (its SHA-256, rights and name are a line"
                            + " of the tokens file, spindle.auth.tokens-file): bin/spindle up"
                            + " writes one to run/client-token. GET needs the read right, PUT and"
                            + " DELETE the write right. The page signs in with a token once and"
                            + " then uses its session cookie instead (writes through the session"
                            + " also send X-Spindle-Page)."),
            responses = {
              @APIResponse(
                  name = SpindleApi.UNAUTHORIZED,
                  responseCode = "401",
                  description =
                      "No client token, not as 'Authorization: Bearer <token>', or one this"
                          + " cluster does not know (revoked, or another cluster's)",
                  headers =
                      @Header(
                          name = "WWW-Authenticate",
                          description = "Bearer realm=\"spindle\"",
                          schema = @Schema(type = SchemaType.STRING)),
                  content =
                      @Content(
                          mediaType = MediaType.APPLICATION_JSON,
                          schema = @Schema(ref = "ErrorBody"))),
              @APIResponse(
                  name = SpindleApi.FORBIDDEN,
                  responseCode = "403",
                  description =
                      "The token lacks the right this request needs (read for GET, write for PUT"
                          + " and DELETE), or a write came through the page's session without"
                          + " the page's own X-Spindle-Page header",
                  content =
                      @Content(
                          mediaType = MediaType.APPLICATION_JSON,
                          schema = @Schema(ref = "ErrorBody"))),
              @APIResponse(
                  name = SpindleApi.UNAVAILABLE,
                  responseCode = "503",
                  description =
                      "The cluster cannot answer now: no leader this node can reach, or no"
                          + " answer in time; retry after Retry-After",
                  headers =
                      @Header(
                          name = "Retry-After",
                          description = "Seconds to wait before retrying",
                          schema = @Schema(type = SchemaType.INTEGER)),
                  content =
                      @Content(
                          mediaType = MediaType.APPLICATION_JSON,
                          schema = @Schema(ref = "ErrorBody"))),
              @APIResponse(
                  name = SpindleApi.LEADERSHIP_LOST,
                  responseCode = "409",
                  description =
                      "This node stopped leading while it made the change; it may or may not"
                          + " have happened: retry (the group changes are harmless to repeat)",
                  content =
                      @Content(
                          mediaType = MediaType.APPLICATION_JSON,
                          schema = @Schema(ref = "ErrorBody"))),
              @APIResponse(
                  name = SpindleApi.NOT_A_MEMBER,
                  responseCode = "404",
                  description =
                      "It is not a member of the group (it expired, left or never joined): join"
                          + " again",
                  content =
                      @Content(
                          mediaType = MediaType.APPLICATION_JSON,
                          schema = @Schema(ref = "ErrorBody"))),
              @APIResponse(
                  name = SpindleApi.FAILED,
                  responseCode = "500",
                  description =
                      "The node failed unexpectedly; the message names an error id to find in"
                          + " the node's log",
                  content =
                      @Content(
                          mediaType = MediaType.APPLICATION_JSON,
                          schema = @Schema(ref = "ErrorBody")))
            }))
public class SpindleApi extends Application {
  /** The security scheme: a client token as a bearer token. */
  public static final String CLIENT_TOKEN = "clientToken";

  /** 401: no token, or one the cluster does not know. */
  public static final String UNAUTHORIZED = "Unauthorized";

  /** 403: the token lacks the right. */
  public static final String FORBIDDEN = "Forbidden";

  /** 503 with Retry-After: no leader, or no answer in time. */
  public static final String UNAVAILABLE = "Unavailable";

  /** 409: the node stopped leading during a change. */
  public static final String LEADERSHIP_LOST = "LeadershipLost";

  /** 404: a renewal or leave of a member the group does not have. */
  public static final String NOT_A_MEMBER = "NotAMember";

  /** 500: an unexpected failure, logged with the id the answer names. */
  public static final String FAILED = "Failed";
}
