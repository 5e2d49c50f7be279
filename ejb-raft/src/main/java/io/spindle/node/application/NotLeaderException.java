package io.spindle.node.application;

import java.net.URI;
import java.util.Optional;

/** A write reached a node that is not the leader; {@link #leaderHttpUrl()} says where to go. */
public class NotLeaderException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final transient Optional<URI> leaderHttpUrl;

  public NotLeaderException(Optional<URI> leaderHttpUrl) {
    super(
        leaderHttpUrl
            .map(u -> "this node is not the leader; send writes to " + u)
            .orElse("this node is not the leader and knows of none yet; retry shortly"));
    this.leaderHttpUrl = leaderHttpUrl;
  }

  public Optional<URI> leaderHttpUrl() {
    return leaderHttpUrl;
  }
}
