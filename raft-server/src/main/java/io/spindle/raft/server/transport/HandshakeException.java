package io.spindle.raft.server.transport;

import java.io.IOException;

/**
 * A connection did not authenticate: the remote does not hold the cluster secret (or this side does
 * not), speaks another protocol version, is not the node that was dialled, or closed the connection
 * or timed out during the handshake. {@link #refused()} tells a refusal (by either side) from a
 * connection that merely went away.
 */
public final class HandshakeException extends IOException {
  private static final long serialVersionUID = 1L;

  private final boolean refused;

  HandshakeException(String message, boolean refused) {
    super(message);
    this.refused = refused;
  }

  /** True when one side refused the other; false when the connection closed or timed out. */
  public boolean refused() {
    return refused;
  }
}
