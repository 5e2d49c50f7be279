/**
 * Who may use this node's API and page: {@link io.spindle.web.auth.ClientAuthFilter} checks every
 * request's client token (bearer or the page's session), {@link io.spindle.web.auth.SessionServlet}
 * signs the page in. Depends on the node runtime's tokens (io.spindle.protocol.auth); the API and
 * page packages do not depend on it.
 */
package io.spindle.web.auth;
