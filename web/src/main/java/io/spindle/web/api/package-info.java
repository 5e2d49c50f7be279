/**
 * The JAX-RS API under {@code /api}: cluster status, the file store, counting and group membership
 * ({@link io.spindle.web.api.GroupResource}, whose watch is answered asynchronously). Errors are
 * JSON {@code {"error": "..."}} produced by {@link io.spindle.web.api.ApiExceptionMapper}; no stack
 * trace reaches a client. Writes that reach a follower are passed on to the leader by {@link
 * io.spindle.web.api.LeaderForwarder}. Every resource method is described by MicroProfile OpenAPI
 * annotations (its operation, parameters and every status code it answers), served at {@code
 * /openapi} and completed there by {@link io.spindle.web.api.ApiDocumentFilter}.
 */
package io.spindle.web.api;
