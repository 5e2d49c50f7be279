package io.spindle.queue.client;

import java.io.IOException;

/** The server refused the client's token (none, unknown): no other server will take it either. */
public final class TokenRefusedException extends IOException {
  private static final long serialVersionUID = 1L;

  TokenRefusedException(String message) {
    super(message);
  }
}
