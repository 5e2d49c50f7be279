package io.spindle.queue.transport;

import io.netty.handler.codec.DecoderException;
import java.io.IOException;
import java.util.logging.Level;
import java.util.logging.Logger;

/** How the handlers turn what went wrong on a connection into one log line. */
final class ConnectionErrors {
  private ConnectionErrors() {}

  /** The reason in words: the innermost message of a decoding failure, else the message. */
  static String describe(Throwable cause) {
    Throwable t = cause;
    while (t instanceof DecoderException && t.getCause() != null) {
      t = t.getCause();
    }
    String message = t.getMessage();
    String type = t.getClass().getSimpleName();
    return message == null ? type : type + ": " + message;
  }

  /**
   * Logs why a connection closes. Bad input is a WARNING without a stack trace (the reason says it
   * all); a connection reset is routine (FINE); anything else is a bug, logged with its stack.
   */
  static void log(Logger log, String what, Throwable cause) {
    if (cause instanceof DecoderException) {
      log.warning(() -> what + ": " + describe(cause));
    } else if (cause instanceof IOException) {
      log.fine(() -> what + ": " + describe(cause));
    } else {
      log.log(Level.WARNING, what + ": unexpected " + describe(cause), cause);
    }
  }

  /** A remote-supplied text, cut short and without control characters, safe for a log line. */
  static String printable(String text) {
    String cut = text.length() > 300 ? text.substring(0, 300) + "..." : text;
    return cut.replaceAll("\\p{Cntrl}", "?");
  }
}
