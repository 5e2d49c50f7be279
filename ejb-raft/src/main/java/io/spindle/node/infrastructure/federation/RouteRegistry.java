package io.spindle.node.infrastructure.federation;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.spindle.protocol.federation.ClusterRoute;
import io.spindle.protocol.federation.FederationSecret;
import io.spindle.protocol.federation.SignedRoute;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.LongSupplier;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisException;

/**
 * The federation's routes in Redis (keys as federation.proto describes): a leader publishes its
 * cluster's route, fenced by term in one Lua script, and anyone reads the table, keeping only
 * routes signed with the federation secret.
 *
 * <p><b>Threading:</b> thread-safe; the Redis client pools its connections. <b>Blocking:</b> every
 * call talks to Redis, each command bounded by {@link RedisSettings#timeout()}. <b>Errors:</b> a
 * Redis that cannot be reached, or that refuses (wrong password, ACL), is a {@link
 * RedisUnavailableException} whose message says so in a sentence, naming the address.
 */
public final class RouteRegistry implements AutoCloseable {
  /** How long the fence outlives its route: long enough to say when a route expired. */
  static final Duration FENCE_TTL = Duration.ofDays(7);

  private static final String PUBLISH =
      """
      local fenced = redis.call('HGET', KEYS[2], 'term')
      if fenced and tonumber(fenced) > tonumber(ARGV[1]) then
        return tonumber(fenced)
      end
      redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
      redis.call('HSET', KEYS[2], 'term', ARGV[1], 'leader', ARGV[4], 'expires_at_ms', ARGV[5])
      redis.call('PEXPIRE', KEYS[2], ARGV[6])
      redis.call('SADD', KEYS[3], ARGV[7])
      return -1
      """;

  private final RedisSettings settings;
  private final FederationSecret secret;
  private final LongSupplier wallClockMillis;
  private final RedisClient redis;

  public RouteRegistry(
      RedisSettings settings, FederationSecret secret, LongSupplier wallClockMillis) {
    this.settings = settings;
    this.secret = secret;
    this.wallClockMillis = wallClockMillis;
    DefaultJedisClientConfig.Builder config =
        DefaultJedisClientConfig.builder()
            .database(settings.database())
            .connectionTimeoutMillis((int) settings.timeout().toMillis())
            .socketTimeoutMillis((int) settings.timeout().toMillis())
            .clientName("spindle");
    settings.user().ifPresent(config::user);
    settings.password().ifPresent(config::password);
    if (settings.tls() != null) {
      config.ssl(true).sslSocketFactory(settings.tls().getSocketFactory());
    }
    this.redis =
        RedisClient.builder()
            .hostAndPort(settings.host(), settings.port())
            .clientConfig(config.build())
            .build();
  }

  /** "Redis at 127.0.0.1:6379", for messages. */
  public String describe() {
    return settings.describe();
  }

  /**
   * Writes {@code route} (signed here) unless Redis holds a route of a higher term for the cluster.
   *
   * @return empty if written, else the higher term that fenced it off
   */
  public Optional<Long> publish(ClusterRoute route) {
    byte[] bytes = route.toByteArray();
    byte[] signed =
        SignedRoute.newBuilder()
            .setRoute(ByteString.copyFrom(bytes))
            .setSignature(ByteString.copyFrom(secret.signRoute(bytes)))
            .build()
            .toByteArray();
    String id = route.getClusterId();
    Object answer =
        call(
            () ->
                redis.eval(
                    PUBLISH.getBytes(StandardCharsets.UTF_8),
                    List.of(key("route:" + id), key("fence:" + id), key("clusters")),
                    List.of(
                        utf8(Long.toString(route.getTerm())),
                        signed,
                        utf8(Long.toString(route.getTtlMs())),
                        utf8(route.getLeaderId()),
                        utf8(Long.toString(route.getPublishedAtMs() + route.getTtlMs())),
                        utf8(Long.toString(FENCE_TTL.toMillis())),
                        utf8(id))));
    long fenced = answer instanceof Long l ? l : -1;
    return fenced < 0 ? Optional.empty() : Optional.of(fenced);
  }

  /** Every cluster that ever published (and whose fence is still kept), ordered by id. */
  public List<RouteEntry> routes() {
    Set<String> ids = new TreeSet<>();
    for (byte[] id : call(() -> redis.smembers(key("clusters")))) {
      ids.add(new String(id, StandardCharsets.UTF_8));
    }
    List<RouteEntry> out = new ArrayList<>();
    for (String id : ids) {
      RouteEntry e = route(id);
      if (e.known()) {
        out.add(e);
      }
    }
    return out;
  }

  /** The route of cluster {@code id}, or why there is none. */
  public RouteEntry route(String id) {
    byte[] raw = call(() -> redis.get(key("route:" + id)));
    Map<byte[], byte[]> fence = call(() -> redis.hgetAll(key("fence:" + id)));
    long now = wallClockMillis.getAsLong();
    if (raw == null) {
      Optional<Long> expiredAt = field(fence, "expires_at_ms").map(Long::parseLong);
      if (expiredAt.isEmpty()) {
        return RouteEntry.unknown(id);
      }
      long ago = Math.max(0, now - expiredAt.get());
      return RouteEntry.missing(
          id, "its last route expired " + Duration.ofMillis(ago).toSeconds() + " s ago");
    }
    try {
      SignedRoute signed = SignedRoute.parseFrom(raw);
      byte[] bytes = signed.getRoute().toByteArray();
      if (!secret.verifiesRoute(bytes, signed.getSignature().toByteArray())) {
        return RouteEntry.missing(
            id, "the route in Redis is not signed with this federation's secret, so it is ignored");
      }
      ClusterRoute route = ClusterRoute.parseFrom(bytes);
      if (!route.getClusterId().equals(id)) {
        return RouteEntry.missing(
            id,
            "the route in Redis names cluster '" + route.getClusterId() + "', so it is ignored");
      }
      return RouteEntry.of(route, Math.max(0, now - route.getPublishedAtMs()));
    } catch (InvalidProtocolBufferException e) {
      return RouteEntry.missing(id, "the route in Redis cannot be read, so it is ignored");
    }
  }

  /** Deletes every key of this prefix (tests). */
  void deleteAll() {
    for (String id :
        call(() -> redis.smembers(key("clusters"))).stream()
            .map(b -> new String(b, StandardCharsets.UTF_8))
            .toList()) {
      call(() -> redis.del(key("route:" + id), key("fence:" + id)));
    }
    call(() -> redis.del(key("clusters")));
  }

  @Override
  public void close() {
    redis.close();
  }

  private static Optional<String> field(Map<byte[], byte[]> hash, String name) {
    for (Map.Entry<byte[], byte[]> e : hash.entrySet()) {
      if (new String(e.getKey(), StandardCharsets.UTF_8).equals(name)) {
        return Optional.of(new String(e.getValue(), StandardCharsets.UTF_8));
      }
    }
    return Optional.empty();
  }

  private byte[] key(String suffix) {
    return utf8(settings.prefix() + ":" + suffix);
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private interface RedisCall<T> {
    T run();
  }

  private <T> T call(RedisCall<T> call) {
    try {
      return call.run();
    } catch (JedisConnectionException e) {
      throw new RedisUnavailableException(
          describe() + " is not reachable (" + rootMessage(e) + ")", e);
    } catch (JedisException e) {
      throw new RedisUnavailableException(
          describe()
              + " refused: "
              + rootMessage(e)
              + " (check spindle.redis.user, spindle.redis.password and spindle.redis.database)",
          e);
    }
  }

  private static String rootMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
  }

  /** One row of the route table: a live route, or why the cluster has none. */
  public record RouteEntry(
      String clusterId, Optional<ClusterRoute> route, long ageMs, String problem, boolean known) {
    static RouteEntry of(ClusterRoute route, long ageMs) {
      return new RouteEntry(route.getClusterId(), Optional.of(route), ageMs, "", true);
    }

    static RouteEntry missing(String id, String problem) {
      return new RouteEntry(id, Optional.empty(), 0, problem, true);
    }

    static RouteEntry unknown(String id) {
      return new RouteEntry(
          id, Optional.empty(), 0, "no cluster of this federation has that id", false);
    }
  }
}
