package io.spindle.web.auth;

import io.spindle.node.application.NodeFacade;
import io.spindle.protocol.auth.ClientTokens;
import io.spindle.protocol.auth.ClientTokens.Holder;
import jakarta.inject.Inject;
import jakarta.json.bind.Jsonb;
import jakarta.json.bind.JsonbBuilder;
import jakarta.servlet.annotation.WebServlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * {@code /page/session}: the page signs in once with a client token and keeps it for the browser
 * session. {@code POST} (form field {@code token}) checks the token and keeps its SHA-256 in a new
 * session (HttpOnly, SameSite=Strict cookie; the token itself is not kept), {@code GET} says who is
 * signed in, {@code DELETE} signs out. Answers JSON: {@code {"signedIn", "name", "rights"}}.
 */
@WebServlet(urlPatterns = SessionServlet.PATH)
public class SessionServlet extends HttpServlet {
  private static final long serialVersionUID = 1L;
  static final String PATH = "/page/session";
  private static final Jsonb JSON = JsonbBuilder.create();

  /** Who the page is signed in as. */
  public record SignedIn(boolean signedIn, String name, List<String> rights) {}

  @Inject transient NodeFacade node;

  @Override
  protected void doGet(HttpServletRequest req, HttpServletResponse res) throws IOException {
    HttpSession session = req.getSession(false);
    Object hash =
        session == null ? null : session.getAttribute(ClientAuthFilter.SESSION_TOKEN_HASH);
    Optional<Holder> holder = node.clientTokens().holderOfHash(hash instanceof String h ? h : null);
    answer(res, holder);
  }

  @Override
  protected void doPost(HttpServletRequest req, HttpServletResponse res) throws IOException {
    String token = req.getParameter("token");
    Optional<Holder> holder =
        token == null ? Optional.empty() : node.clientTokens().holder(token.strip());
    if (holder.isEmpty()) {
      ClientAuthFilter.refuse(
          res,
          401,
          token == null || token.isBlank()
              ? "give the client token (bin/spindle up wrote it to run/client-token)"
              : "that is not a client token this cluster knows");
      return;
    }
    HttpSession old = req.getSession(false);
    if (old != null) {
      old.invalidate(); // a new session for the new identity: no fixation of an old id
    }
    HttpSession session = req.getSession(true);
    session.setAttribute(ClientAuthFilter.SESSION_TOKEN_HASH, ClientTokens.hash(token.strip()));
    answer(res, holder);
  }

  @Override
  protected void doDelete(HttpServletRequest req, HttpServletResponse res) throws IOException {
    HttpSession session = req.getSession(false);
    if (session != null) {
      session.invalidate();
    }
    answer(res, Optional.empty());
  }

  private static void answer(HttpServletResponse res, Optional<Holder> holder) throws IOException {
    SignedIn body =
        holder
            .map(
                h ->
                    new SignedIn(
                        true,
                        h.name(),
                        h.rights().stream()
                            .map(r -> r.name().toLowerCase(Locale.ROOT))
                            .sorted()
                            .toList()))
            .orElse(new SignedIn(false, null, List.of()));
    res.setContentType("application/json");
    res.setCharacterEncoding("UTF-8");
    res.setHeader("Cache-Control", "no-store");
    res.getOutputStream().write(JSON.toJson(body).getBytes(StandardCharsets.UTF_8));
  }
}
