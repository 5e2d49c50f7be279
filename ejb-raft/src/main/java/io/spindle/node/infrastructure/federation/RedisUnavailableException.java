package io.spindle.node.infrastructure.federation;

/** Redis cannot be reached or refused us; the message says so in a sentence, naming Redis. */
public final class RedisUnavailableException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public RedisUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }
}
