package io.spindle.queue.spool;

/** The spool cannot take another upload now; the client should retry later. */
public final class SpoolFullException extends Exception {
  public SpoolFullException(String message) {
    super(message);
  }
}
