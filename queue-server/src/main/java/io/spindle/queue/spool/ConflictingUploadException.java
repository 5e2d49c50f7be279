package io.spindle.queue.spool;

/** A request id already names an upload of different content. */
public final class ConflictingUploadException extends Exception {
  public ConflictingUploadException(String message) {
    super(message);
  }
}
