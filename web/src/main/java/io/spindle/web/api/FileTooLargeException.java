package io.spindle.web.api;

import java.io.IOException;

/** An upload went past the cluster's maximum file size; answered 413. */
final class FileTooLargeException extends IOException {
  FileTooLargeException(String message) {
    super(message);
  }
}
