package io.spindle.discovery;

import java.util.Objects;

/**
 * A {@code host:port} address as it travels in discovery messages: a host name or IP literal and a
 * TCP or UDP port. IPv6 literals are written in brackets ({@code [::1]:7000}). Not resolved: the
 * receiver resolves it when it connects.
 *
 * @param host a host name or IP literal, without brackets; no whitespace
 * @param port 1 to 65535
 */
public record HostPort(String host, int port) {

  public HostPort {
    Objects.requireNonNull(host, "host");
    if (host.isEmpty()) {
      throw new IllegalArgumentException("the host of a host:port address is empty");
    }
    if (host.length() > 253) {
      throw new IllegalArgumentException(
          "the host '" + host.substring(0, 20) + "…' is longer than 253 characters");
    }
    for (int i = 0; i < host.length(); i++) {
      char c = host.charAt(i);
      if (Character.isWhitespace(c) || Character.isISOControl(c) || c == '[' || c == ']') {
        throw new IllegalArgumentException(
            "the host '" + host + "' contains whitespace, a control character or a bracket");
      }
    }
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException(
          "the port of " + host + " is " + port + "; it must be between 1 and 65535");
    }
  }

  /**
   * Parses {@code host:port} or {@code [ipv6]:port}.
   *
   * @throws IllegalArgumentException naming what is wrong with {@code text}
   */
  public static HostPort parse(String text) {
    Objects.requireNonNull(text, "text");
    String host;
    String port;
    if (text.startsWith("[")) {
      int close = text.indexOf("]:");
      if (close < 0) {
        throw new IllegalArgumentException(
            "'" + text + "' is not an address: write an IPv6 literal as [address]:port");
      }
      host = text.substring(1, close);
      port = text.substring(close + 2);
    } else {
      int colon = text.lastIndexOf(':');
      if (colon < 0) {
        throw new IllegalArgumentException("'" + text + "' is not an address: expected host:port");
      }
      host = text.substring(0, colon);
      port = text.substring(colon + 1);
      if (host.indexOf(':') >= 0) {
        throw new IllegalArgumentException(
            "'" + text + "' is not an address: write an IPv6 literal as [address]:port");
      }
    }
    int number;
    try {
      number = Integer.parseInt(port);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "'" + text + "' is not an address: the port '" + port + "' is not a number");
    }
    return new HostPort(host, number);
  }

  /**
   * {@code host:port}, or {@code [host]:port} for an IPv6 literal; {@link #parse} reads it back.
   */
  @Override
  public String toString() {
    return host.indexOf(':') >= 0 ? "[" + host + "]:" + port : host + ":" + port;
  }
}
