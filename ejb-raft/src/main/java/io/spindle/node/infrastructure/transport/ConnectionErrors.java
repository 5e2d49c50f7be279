package io.spindle.node.infrastructure.transport;

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
 * How the handlers turn what went wrong on a connection into one log line, and at most a few lines
 * per 10 s for each remote host: a port fed garbage in a loop does not fill the disk with its log.
 */
final class ConnectionErrors {
  private static final ConcurrentHashMap<String, RateLimitedLog> LIMITED =
      new ConcurrentHashMap<>();

  private ConnectionErrors() {}

  /** The reason in words: the innermost message of a decoding failure, else the message. */
  static String describe(Throwable cause) {
    Throwable t = cause;
    while (t instanceof DecoderException && t.getCause() != null) {
      t = t.getCause();
    }
    if (t instanceof NotSslRecordException) {
      // Its message dumps the bytes received: never log them.
      return "it sent something that is not TLS (a peer or client without TLS?)";
    }
    String message = t.getMessage();
    String type = t.getClass().getSimpleName();
    return message == null ? type : type + ": " + message;
  }

  /**
   * Logs why a connection closes. Bad input is a WARNING without a stack trace (the reason says it
   * all); a connection reset is routine (FINE); anything else is a bug, logged with its stack.
   */
  static void log(Logger log, Channel channel, String what, Throwable cause) {
    RateLimitedLog limited = limited(log);
    String key = key(channel);
    if (cause instanceof DecoderException || cause instanceof InvalidMessageException) {
      limited.log(Level.WARNING, key, () -> what + ": " + describe(cause), null);
    } else if (cause instanceof IOException) {
      limited.log(Level.FINE, key, () -> what + ": " + describe(cause), null);
    } else {
      limited.log(Level.WARNING, key, () -> what + ": unexpected " + describe(cause), cause);
    }
  }

  /** A WARNING about what a remote did, rate-limited per remote host. */
  static void warn(Logger log, Channel channel, Supplier<String> message) {
    limited(log).log(Level.WARNING, key(channel), message, null);
  }

  private static RateLimitedLog limited(Logger log) {
    return LIMITED.computeIfAbsent(log.getName(), n -> RateLimitedLog.of(log));
  }

  /** The remote host (without its port) and the local port: one key per listener and host. */
  private static String key(Channel channel) {
    SocketAddress remote = channel.remoteAddress();
    String host =
        remote instanceof InetSocketAddress inet && inet.getAddress() != null
            ? inet.getAddress().getHostAddress()
            : "channel@" + System.identityHashCode(channel); // in-process: each its own
    return channel.localAddress() instanceof InetSocketAddress local
        ? host + "->" + local.getPort()
        : host;
  }
}
