package io.spindle.node.application;

import io.spindle.node.domain.FileName;

/**
 * A file was replaced or deleted while it was being counted: a range could not be read with the
 * content (SHA-256) the count started from. Counting it again counts the new content.
 */
public class FileChangedException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public FileChangedException(FileName name, String sha256) {
    super(
        "'"
            + name
            + "' changed while it was being counted (its content is no longer SHA-256 "
            + sha256
            + "); count it again");
  }
}
