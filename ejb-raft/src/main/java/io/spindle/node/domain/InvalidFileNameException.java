package io.spindle.node.domain;

/** A file name broke the naming rules of {@link FileName}; the message says which. */
public class InvalidFileNameException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  public InvalidFileNameException(String message) {
    super(message);
  }
}
