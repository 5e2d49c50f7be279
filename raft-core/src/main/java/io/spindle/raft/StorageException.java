package io.spindle.raft;

/** A storage failure the node cannot recover from by itself (disk error, corruption mid-log). */
public class StorageException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public StorageException(String message) {
    super(message);
  }

  public StorageException(String message, Throwable cause) {
    super(message, cause);
  }
}
