package io.spindle.discovery;

import java.io.IOException;

/** No authentic edge list arrived before the deadline; the message says what was tried. */
public final class DiscoveryTimeoutException extends IOException {
  private static final long serialVersionUID = 1L;

  private final int attempts;

  DiscoveryTimeoutException(String message, int attempts) {
    super(message);
    this.attempts = attempts;
  }

  /** How many announcements were sent. */
  public int attempts() {
    return attempts;
  }
}
