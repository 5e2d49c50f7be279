package io.spindle.node.infrastructure.federation;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import javax.net.ssl.SSLContext;

/**
 * Where the federation's routes are: a Redis address and database, its ACL user and password, TLS
 * (null for plain text), the key prefix, and how long one command may take.
 */
public record RedisSettings(
    String host,
    int port,
    int database,
    Optional<String> user,
    Optional<String> password,
    SSLContext tls,
    String prefix,
    Duration timeout) {
  public RedisSettings {
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(user, "user");
    Objects.requireNonNull(password, "password");
    Objects.requireNonNull(prefix, "prefix");
    Objects.requireNonNull(timeout, "timeout");
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("a Redis port is 1 to 65535, not " + port);
    }
    if (database < 0) {
      throw new IllegalArgumentException("a Redis database is not negative: " + database);
    }
    if (prefix.isEmpty() || prefix.length() > 200) {
      throw new IllegalArgumentException("a Redis key prefix has 1 to 200 characters");
    }
  }

  /** Plain text, no user or password, a 2 s timeout. */
  public static RedisSettings plain(String host, int port, String prefix) {
    return new RedisSettings(
        host, port, 0, Optional.empty(), Optional.empty(), null, prefix, Duration.ofSeconds(2));
  }

  /** "Redis at 127.0.0.1:6379", for messages. */
  public String describe() {
    return "Redis at " + host + ":" + port;
  }

  @Override
  public String toString() {
    return describe()
        + " (database "
        + database
        + user.map(u -> ", user " + u).orElse("")
        + (password.isPresent() ? ", password (hidden)" : "")
        + (tls != null ? ", TLS" : "")
        + ", prefix "
        + prefix
        + ")";
  }
}
