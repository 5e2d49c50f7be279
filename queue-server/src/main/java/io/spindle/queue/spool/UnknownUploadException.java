package io.spindle.queue.spool;

/** No upload has this id (never begun, expired, finished or deleted). */
public final class UnknownUploadException extends Exception {
  public UnknownUploadException(String uploadId) {
    super("no upload " + uploadId + " (it expired, finished or never began)");
  }
}
