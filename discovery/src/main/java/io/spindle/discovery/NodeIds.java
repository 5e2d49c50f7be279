package io.spindle.discovery;

import java.net.URI;
import java.util.Locale;

/** Checks shared by the message records. */
final class NodeIds {
  /** The same limit as raft-core's {@code NodeId}. */
  static final int MAX_NODE_ID_LENGTH = 255;

  private NodeIds() {}

  static String requireNodeId(String what, String id) {
    if (id == null || id.isEmpty()) {
      throw new IllegalArgumentException(what + " is empty");
    }
    if (id.length() > MAX_NODE_ID_LENGTH) {
      throw new IllegalArgumentException(
          what + " has " + id.length() + " characters; at most " + MAX_NODE_ID_LENGTH);
    }
    for (int i = 0; i < id.length(); i++) {
      if (Character.isISOControl(id.charAt(i))) {
        throw new IllegalArgumentException(what + " contains a control character");
      }
    }
    return id;
  }

  static URI requireHttpUrl(String what, URI url) {
    if (url == null) {
      throw new IllegalArgumentException(what + " is missing");
    }
    String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
    if (!url.isAbsolute()
        || !(scheme.equals("http") || scheme.equals("https"))
        || url.getHost() == null) {
      throw new IllegalArgumentException(
          what + " '" + url + "' is not an absolute http:// or https:// URL with a host");
    }
    return url;
  }
}
