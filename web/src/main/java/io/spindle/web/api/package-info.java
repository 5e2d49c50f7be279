/**
 * The JAX-RS API under {@code /api}: cluster status and the file store. Errors are JSON {@code
 * {"error": "..."}} produced by {@link io.spindle.web.api.ApiExceptionMapper}; no stack trace
 * reaches a client. Writes that reach a follower are answered {@code 307 Temporary Redirect} to the
 * same path on the leader (see {@link io.spindle.web.api.FileResource}).
 */
package io.spindle.web.api;
