package io.spindle.node.infrastructure.runtime;

import io.spindle.node.infrastructure.federation.FederationSettings;
import io.spindle.node.infrastructure.groups.GroupSettings;
import java.util.Set;
import java.util.TreeSet;

/**
 * Every configuration key a node reads, in one place: what a deployment (docker-compose.yml, a unit
 * file, bin/spindle) may set, and what the tests hold the deployment files and the README to. Each
 * is also an env var ({@link #envName}). A key added to a settings class belongs here too
 * (ConfigKeysTest finds the ones that are not).
 */
public final class ConfigKeys {
  private static final Set<String> ALL = new TreeSet<>();

  static {
    ALL.addAll(
        Set.of(
            NodeSettings.NODE_ID,
            NodeSettings.DATA_DIR,
            NodeSettings.RAFT_LISTEN,
            NodeSettings.HTTP_URL,
            NodeSettings.PEERS,
            NodeSettings.SECRET,
            NodeSettings.DB_URL,
            NodeSettings.DB_USER,
            NodeSettings.DB_PASSWORD,
            NodeSettings.TICK_MS,
            NodeSettings.SNAPSHOT_ENTRIES,
            NodeSettings.SNAPSHOT_BYTES,
            NodeSettings.KEEP_ENTRIES,
            NodeSettings.CLUSTER_ID,
            NodeSettings.QUEUE_SERVERS,
            NodeSettings.BOOTSTRAP));
    ALL.addAll(
        Set.of(
            NodeSettings.DISCOVERY_MODE,
            NodeSettings.DISCOVERY_PORT,
            NodeSettings.MULTICAST_GROUP,
            NodeSettings.MULTICAST_PORT,
            NodeSettings.LEAVE_ON_STOP,
            NodeSettings.TLS_CA,
            NodeSettings.TLS_CERT,
            NodeSettings.TLS_KEY,
            NodeSettings.PLAINTEXT));
    ALL.addAll(
        Set.of(
            DatabaseConfigSource.DRIVER,
            DatabaseConfigSource.JDBC_URL,
            DatabaseConfigSource.JDBC_USER,
            DatabaseConfigSource.JDBC_PASSWORD,
            NodeRuntime.MAX_FILE_BYTES,
            NodeRuntime.MIN_FREE_BYTES,
            NodeRuntime.AUTH_TOKENS_FILE,
            CountSettings.RANGE_BYTES,
            CountSettings.CACHE_ENTRIES,
            CountSettings.MAX_DISTINCT_WORDS));
    ALL.addAll(
        Set.of(
            FederationSettings.REDIS_HOST,
            FederationSettings.REDIS_PORT,
            FederationSettings.REDIS_DATABASE,
            FederationSettings.REDIS_USER,
            FederationSettings.REDIS_PASSWORD,
            FederationSettings.REDIS_TLS,
            FederationSettings.REDIS_CA_FILE,
            FederationSettings.REDIS_PREFIX,
            FederationSettings.REDIS_TIMEOUT_MS,
            FederationSettings.SECRET,
            FederationSettings.ROUTE_TTL_MS,
            FederationSettings.ROUTE_REFRESH_MS));
    ALL.addAll(
        Set.of(
            GroupSettings.PROBE_INTERVAL_MS,
            GroupSettings.PROBE_FAILURES,
            GroupSettings.RENEWAL_FLUSH_MS));
    for (String secret : SecretFiles.SECRET_KEYS) {
      ALL.add(SecretFiles.fileKey(secret));
    }
  }

  private ConfigKeys() {}

  /** Every key, sorted. */
  public static Set<String> all() {
    return java.util.Collections.unmodifiableSet(ALL);
  }

  /** The env var that sets {@code key}: {@code spindle.db.url} → {@code SPINDLE_DB_URL}. */
  public static String envName(String key) {
    return NodeSettings.envName(key);
  }
}
