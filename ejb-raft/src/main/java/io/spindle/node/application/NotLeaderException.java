package io.spindle.node.application;

import java.net.URI;
import java.util.Optional;

/** A write reached a node that is not the leader; {@link #leaderHttpUrl()} says where to go. */
public class NotLeaderException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final transient Optional<URI> leaderHttpUrl;

  public NotLeaderException(Optional<URI> leaderHttpUrl) {
    this(leaderHttpUrl, "writes");
  }

  /** That only the leader does {@code what} ("writes", "leadership transfers"), and who leads. */
  public NotLeaderException(Optional<URI> leaderHttpUrl, String what) {
    super(
        leaderHttpUrl
            .map(u -> "this node is not the leader; send " + what + " to " + u)
            .orElse("this node is not the leader and knows of none yet; retry shortly"));
    this.leaderHttpUrl = leaderHttpUrl;
  }

  public Optional<URI> leaderHttpUrl() {
    return leaderHttpUrl;
  }
}
