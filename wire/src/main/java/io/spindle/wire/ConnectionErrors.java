package io.spindle.wire;

import io.netty.channel.Channel;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.ssl.NotSslRecordException;
import io.spindle.protocol.logging.RateLimitedLog;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * How the handlers of every port (Raft, queue) turn what went wrong on a connection into one log
 * line, and at most a few lines per 10 s for each remote host and local port: a port fed garbage in
 * a loop does not fill the disk with its log. Thread-safe.
 */
public final class ConnectionErrors {
  private static final ConcurrentHashMap<String, RateLimitedLog> LIMITED =
      new ConcurrentHashMap<>();

  private ConnectionErrors() {}

  /** The reason in words: the innermost message of a decoding failure, else the message. */
  public static String describe(Throwable cause) {
    Throwable t = cause;
    while (t instanceof DecoderException && t.getCause() != null) {
      t = t.getCause();
    }
    if (t instanceof NotSslRecordException) {
      // Its message dumps the bytes received, which may hold a token: never log them.
      return "it sent something that is not TLS (a client, node or peer without the cluster's CA"
          + " certificate, speaking plain text?)";
    }
    String message = t.getMessage();
    String type = t.getClass().getSimpleName();
    return message == null ? type : type + ": " + message;
  }

  /** As {@link #log(RateLimitedLog, Channel, String, Throwable)}, rate-limited per logger. */
  public static void log(Logger log, Channel channel, String what, Throwable cause) {
    log(limited(log), channel, what, cause);
  }

  /**
   * Logs why a connection closes. Bad input (a frame that does not decode, an {@link
   * InvalidMessageException}) is a WARNING without a stack trace (the reason says it all); a
   * connection reset is routine (FINE); anything else is a bug, logged with its stack.
   */
  public static void log(RateLimitedLog log, Channel channel, String what, Throwable cause) {
    String key = key(channel);
    if (cause instanceof DecoderException || cause instanceof InvalidMessageException) {
      log.log(Level.WARNING, key, () -> what + ": " + describe(cause), null);
    } else if (cause instanceof IOException) {
      log.log(Level.FINE, key, () -> what + ": " + describe(cause), null);
    } else {
      log.log(Level.WARNING, key, () -> what + ": unexpected " + describe(cause), cause);
    }
  }

  /** A WARNING about what a remote did, rate-limited per remote host. */
  public static void warn(Logger log, Channel channel, Supplier<String> message) {
    limited(log).log(Level.WARNING, key(channel), message, null);
  }

  /**
   * The rate-limiting key of a connection: its remote host (without its port) and the port it
   * reached (one key per server in a process that runs several).
   */
  public static String key(Channel channel) {
    SocketAddress remote = channel.remoteAddress();
    String host =
        remote instanceof InetSocketAddress inet && inet.getAddress() != null
            ? inet.getAddress().getHostAddress()
            : "channel@" + System.identityHashCode(channel); // in-process: each its own
    return channel.localAddress() instanceof InetSocketAddress local
        ? host + "->" + local.getPort()
        : host;
  }

  /** A remote-supplied text, cut short and without control characters, safe for a log line. */
  public static String printable(String text) {
    String cut = text.length() > 300 ? text.substring(0, 300) + "..." : text;
    return cut.replaceAll("\\p{Cntrl}", "?");
  }

  private static RateLimitedLog limited(Logger log) {
    return LIMITED.computeIfAbsent(log.getName(), n -> RateLimitedLog.of(log));
  }
}
