package io.spindle.web.auth;

import io.spindle.node.application.NodeFacade;
import io.spindle.protocol.auth.ClientTokens;
import io.spindle.protocol.auth.ClientTokens.Holder;
import io.spindle.protocol.auth.ClientTokens.Right;
import io.spindle.web.api.ErrorBody;
import jakarta.inject.Inject;
import jakarta.json.bind.Jsonb;
import jakarta.json.bind.JsonbBuilder;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.annotation.WebFilter;
import jakarta.servlet.http.HttpFilter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.logging.Logger;

/**
 * Only clients with a token may read or change files: every request to the API ({@code /api/*}) and
 * to the page's data ({@code /page/*}) proves one, as {@code Authorization: Bearer <token>} or
 * through the page's session ({@link SessionServlet}). Reads (GET, HEAD) need the read right;
 * writes and deletes the write right, and through a session also the page's own header {@value
 * #PAGE_HEADER}, which a form on another site cannot send (a cross-site request cannot borrow the
 * session). The page itself, its scripts, health and readiness stay open.
 *
 * <p>Missing or unknown token: 401 with a sentence; a token without the right: 403.
 */
// Async: a watch of a group (GET /api/groups/{group}?wait=true) suspends its request.
@WebFilter(
    urlPatterns = {"/api/*", "/page/*"},
    asyncSupported = true)
public class ClientAuthFilter extends HttpFilter {
  private static final long serialVersionUID = 1L;
  private static final Logger LOG = Logger.getLogger(ClientAuthFilter.class.getName());

  /** The session attribute holding the SHA-256 of the token the page signed in with. */
  static final String SESSION_TOKEN_HASH = "spindle.client.token-hash";

  /** The header the page's script sends with every request it makes through its session. */
  public static final String PAGE_HEADER = "X-Spindle-Page";

  @Inject transient NodeFacade node;

  @Override
  protected void doFilter(HttpServletRequest req, HttpServletResponse res, FilterChain chain)
      throws IOException, ServletException {
    String path = req.getServletPath() + (req.getPathInfo() == null ? "" : req.getPathInfo());
    if (path.equals(SessionServlet.PATH)) {
      chain.doFilter(req, res);
      return;
    }
    Right needed = isRead(req.getMethod()) ? Right.READ : Right.WRITE;
    ClientTokens tokens = node.clientTokens();
    String authorization = req.getHeader("Authorization");
    Optional<Holder> holder;
    if (authorization != null) {
      if (!authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
        refuse(res, 401, "send the client token as 'Authorization: Bearer <token>'");
        return;
      }
      holder = tokens.holder(authorization.substring(7).strip());
      if (holder.isEmpty()) {
        refuse(
            res,
            401,
            "the client token is not one this cluster knows (revoked, or for another cluster)");
        return;
      }
    } else {
      HttpSession session = req.getSession(false);
      Object hash = session == null ? null : session.getAttribute(SESSION_TOKEN_HASH);
      holder = tokens.holderOfHash(hash instanceof String h ? h : null);
      if (holder.isEmpty()) {
        refuse(
            res,
            401,
            tokens.isEmpty()
                ? "this node accepts no client: it has no client tokens (spindle.auth.tokens-file)"
                : "this request needs a client token: send 'Authorization: Bearer <token>' (curl -H"
                    + " \"Authorization: Bearer $(cat run/client-token)\"), or sign in on the page");
        return;
      }
      if (needed == Right.WRITE && req.getHeader(PAGE_HEADER) == null) {
        refuse(
            res,
            403,
            "a write through the page's session must come from the page itself; other clients"
                + " send 'Authorization: Bearer <token>'");
        return;
      }
    }
    if (!holder.get().may(needed)) {
      refuse(
          res,
          403,
          "this client token does not allow "
              + (needed == Right.WRITE ? "writes and deletes" : "reads")
              + "; use one with the "
              + needed.name().toLowerCase(java.util.Locale.ROOT)
              + " right");
      return;
    }
    chain.doFilter(req, res);
  }

  private static boolean isRead(String method) {
    return method.equals("GET") || method.equals("HEAD") || method.equals("OPTIONS");
  }

  static void refuse(HttpServletResponse res, int status, String message) throws IOException {
    LOG.fine(() -> "refused a request (" + status + "): " + message);
    res.setStatus(status);
    if (status == 401) {
      res.setHeader("WWW-Authenticate", "Bearer realm=\"spindle\"");
    }
    res.setContentType("application/json");
    res.setCharacterEncoding("UTF-8");
    res.getOutputStream().write(errorJson(message).getBytes(StandardCharsets.UTF_8));
  }

  /** {"error": message}, as the API's errors. */
  static String errorJson(String message) {
    return JSON.toJson(new ErrorBody(message));
  }

  private static final Jsonb JSON = JsonbBuilder.create();
}
