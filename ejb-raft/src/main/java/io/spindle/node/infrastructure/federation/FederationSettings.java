package io.spindle.node.infrastructure.federation;

import io.spindle.protocol.federation.FederationSecret;
import io.spindle.protocol.tls.ClusterTls;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Function;
import javax.net.ssl.SSLContext;

/**
 * The federation's settings (MicroProfile Config keys; each also an env var, {@code
 * spindle.redis.host} as {@code SPINDLE_REDIS_HOST}). Without {@value #REDIS_HOST} the cluster has
 * no Redis: it publishes no route and pings only itself.
 *
 * @param redis where the routes are
 * @param secret the federation secret (every cluster of the federation holds the same)
 * @param routeTtl how long a published route holds ({@value #ROUTE_TTL_MS}, 15 s)
 * @param routeRefresh how often the leader publishes it again ({@value #ROUTE_REFRESH_MS}, 5 s)
 */
public record FederationSettings(
    RedisSettings redis, FederationSecret secret, Duration routeTtl, Duration routeRefresh) {
  public static final String REDIS_HOST = "spindle.redis.host";
  public static final String REDIS_PORT = "spindle.redis.port";
  public static final String REDIS_DATABASE = "spindle.redis.database";
  public static final String REDIS_USER = "spindle.redis.user";
  public static final String REDIS_PASSWORD = "spindle.redis.password";
  public static final String REDIS_TLS = "spindle.redis.tls";
  public static final String REDIS_CA_FILE = "spindle.redis.ca-file";
  public static final String REDIS_PREFIX = "spindle.redis.prefix";
  public static final String REDIS_TIMEOUT_MS = "spindle.redis.timeout-ms";
  public static final String SECRET = "spindle.federation.secret";
  public static final String ROUTE_TTL_MS = "spindle.routes.ttl-ms";
  public static final String ROUTE_REFRESH_MS = "spindle.routes.refresh-ms";

  /**
   * Reads the keys; empty when {@value #REDIS_HOST} is not set.
   *
   * @throws IllegalArgumentException naming the key (and its env var) that is malformed or missing
   */
  public static Optional<FederationSettings> read(Function<String, Optional<String>> lookup) {
    Function<String, Optional<String>> values =
        key -> lookup.apply(key).map(String::trim).filter(v -> !v.isEmpty());
    Optional<String> host = values.apply(REDIS_HOST);
    if (host.isEmpty()) {
      return Optional.empty();
    }
    String secret =
        values
            .apply(SECRET)
            .orElseThrow(
                () ->
                    new IllegalArgumentException(
                        describe(REDIS_HOST)
                            + " is set, so "
                            + describe(SECRET)
                            + " must be too (or "
                            + describe(SECRET + "-file")
                            + ", a file holding it): the secret every cluster of the federation"
                            + " shares"
                            + " (bin/spindle up makes one in run/federation-secret)"));
    FederationSecret federation;
    try {
      federation = new FederationSecret(secret.getBytes(StandardCharsets.UTF_8));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(describe(SECRET) + ": " + e.getMessage(), e);
    }
    boolean tls = bool(REDIS_TLS, values.apply(REDIS_TLS).orElse("false"));
    SSLContext context = null;
    if (tls) {
      context = sslContext(values.apply(REDIS_CA_FILE));
    }
    RedisSettings redis;
    try {
      redis =
          new RedisSettings(
              host.get(),
              number(REDIS_PORT, values.apply(REDIS_PORT).orElse("6379")),
              number(REDIS_DATABASE, values.apply(REDIS_DATABASE).orElse("0")),
              values.apply(REDIS_USER),
              values.apply(REDIS_PASSWORD),
              context,
              values.apply(REDIS_PREFIX).orElse("spindle"),
              Duration.ofMillis(
                  number(REDIS_TIMEOUT_MS, values.apply(REDIS_TIMEOUT_MS).orElse("2000"))));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "the Redis settings (spindle.redis.*): " + e.getMessage(), e);
    }
    Duration ttl =
        Duration.ofMillis(number(ROUTE_TTL_MS, values.apply(ROUTE_TTL_MS).orElse("15000")));
    Duration refresh =
        Duration.ofMillis(number(ROUTE_REFRESH_MS, values.apply(ROUTE_REFRESH_MS).orElse("5000")));
    if (ttl.toMillis() < 1000
        || refresh.toMillis() < 100
        || refresh.compareTo(ttl.dividedBy(2)) > 0) {
      throw new IllegalArgumentException(
          describe(ROUTE_REFRESH_MS)
              + " must be at least 100 and at most half of "
              + describe(ROUTE_TTL_MS)
              + " (at least 1000), so that a live leader's route never expires");
    }
    return Optional.of(new FederationSettings(redis, federation, ttl, refresh));
  }

  private static SSLContext sslContext(Optional<String> caFile) {
    if (caFile.isEmpty()) {
      try {
        return SSLContext.getDefault();
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException("this JVM has no default TLS", e);
      }
    }
    try {
      return ClusterTls.client(Path.of(caFile.get())).sslContext();
    } catch (IOException e) {
      throw new UncheckedIOException(describe(REDIS_CA_FILE) + ": " + e.getMessage(), e);
    }
  }

  private static int number(String key, String value) {
    try {
      return Integer.parseInt(value);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(describe(key) + " is not a number: '" + value + "'");
    }
  }

  private static boolean bool(String key, String value) {
    return switch (value.toLowerCase(Locale.ROOT)) {
      case "true" -> true;
      case "false" -> false;
      default ->
          throw new IllegalArgumentException(
              describe(key) + " is true or false, not '" + value + "'");
    };
  }

  /** "spindle.redis.host (SPINDLE_REDIS_HOST)". */
  static String describe(String key) {
    return key + " (" + key.toUpperCase(Locale.ROOT).replaceAll("[^A-Z0-9]", "_") + ")";
  }

  @Override
  public String toString() {
    return redis
        + ", routes for "
        + routeTtl.toMillis()
        + " ms refreshed every "
        + routeRefresh.toMillis()
        + " ms";
  }
}
