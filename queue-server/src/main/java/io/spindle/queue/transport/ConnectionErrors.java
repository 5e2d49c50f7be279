package io.spindle.queue.transport;

import io.netty.channel.Channel;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.ssl.NotSslRecordException;
import io.spindle.protocol.logging.RateLimitedLog;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.logging.Level;

/**
 * How the handlers turn what went wrong on a connection into one log line, and at most a few lines
 * per 10 s for each remote address: a port fed garbage in a loop does not fill the disk with its
 * log.
 */
final class ConnectionErrors {
  private ConnectionErrors() {}

  /**
   * The rate-limiting key of a connection: its remote host (without its port) and the port it
   * reached (one key per server in a process that runs several).
   */
  static String key(Channel channel) {
    SocketAddress remote = channel.remoteAddress();
    String host =
        remote instanceof InetSocketAddress inet && inet.getAddress() != null
            ? inet.getAddress().getHostAddress()
            : "channel@" + System.identityHashCode(channel); // in-process: each its own
    return channel.localAddress() instanceof InetSocketAddress local
        ? host + "->" + local.getPort()
        : host;
  }

  /** The reason in words: the innermost message of a decoding failure, else the message. */
  static String describe(Throwable cause) {
    Throwable t = cause;
    while (t instanceof DecoderException && t.getCause() != null) {
      t = t.getCause();
    }
    if (t instanceof NotSslRecordException) {
      // Its message dumps the bytes received, which may hold a client's token: never log them.
      return "it sent something that is not TLS (a client or node without the cluster's CA"
          + " certificate, speaking plain text?)";
    }
    String message = t.getMessage();
    String type = t.getClass().getSimpleName();
    return message == null ? type : type + ": " + message;
  }

  /**
   * Logs why a connection closes. Bad input is a WARNING without a stack trace (the reason says it
   * all); a connection reset is routine (FINE); anything else is a bug, logged with its stack.
   */
  static void log(RateLimitedLog log, Channel channel, String what, Throwable cause) {
    String key = key(channel);
    if (cause instanceof DecoderException) {
      log.log(Level.WARNING, key, () -> what + ": " + describe(cause), null);
    } else if (cause instanceof IOException) {
      log.log(Level.FINE, key, () -> what + ": " + describe(cause), null);
    } else {
      log.log(Level.WARNING, key, () -> what + ": unexpected " + describe(cause), cause);
    }
  }

  /** A remote-supplied text, cut short and without control characters, safe for a log line. */
  static String printable(String text) {
    String cut = text.length() > 300 ? text.substring(0, 300) + "..." : text;
    return cut.replaceAll("\\p{Cntrl}", "?");
  }
}
