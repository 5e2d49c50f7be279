package io.spindle.queue.client;

import io.spindle.protocol.queue.QueueProtocol;
import java.util.ArrayList;
import java.util.List;

/**
 * A queue server's host and port, as the {@code spindle} client takes them from {@code --server} or
 * {@code SPINDLE_SERVERS}.
 */
public record ServerAddress(String host, int port) {
  public ServerAddress {
    if (host.isEmpty()) {
      throw new IllegalArgumentException("a server address needs a host");
    }
    if (port <= 0 || port > 65535) {
      throw new IllegalArgumentException("port " + port + " is out of range");
    }
  }

  /** {@code host:port,host:port,...}; a missing port means 4000; IPv6 hosts in brackets. */
  public static List<ServerAddress> parseList(String text) {
    List<ServerAddress> out = new ArrayList<>();
    for (String part : text.split(",")) {
      String p = part.strip();
      if (!p.isEmpty()) {
        out.add(parse(p));
      }
    }
    if (out.isEmpty()) {
      throw new IllegalArgumentException("no queue server address in '" + text + "'");
    }
    return out;
  }

  public static ServerAddress parse(String text) {
    String host = text;
    int port = QueueProtocol.DEFAULT_PORT;
    int colon = text.lastIndexOf(':');
    if (text.startsWith("[")) {
      int close = text.indexOf(']');
      if (close < 0) {
        throw new IllegalArgumentException("'" + text + "': an IPv6 address needs its ']'");
      }
      host = text.substring(1, close);
      if (close + 1 < text.length()) {
        port = parsePort(text, text.substring(close + 2));
      }
    } else if (colon >= 0) {
      host = text.substring(0, colon);
      port = parsePort(text, text.substring(colon + 1));
    }
    return new ServerAddress(host, port);
  }

  private static int parsePort(String text, String port) {
    try {
      return Integer.parseInt(port);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("'" + text + "' is not host:port");
    }
  }

  @Override
  public String toString() {
    return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
  }
}
