package io.spindle.node.infrastructure.federation;

import io.spindle.protocol.federation.ClusterRoute;
import io.spindle.protocol.logging.RateLimitedLog;
import io.spindle.raft.server.RaftStatus;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadFactory;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Keeps this cluster's route in Redis while this node leads: published at once when it becomes
 * leader and whenever the term, leader or membership changes, and refreshed every {@code refresh}
 * (well inside the route's {@code ttl}). A follower publishes nothing. Redis being away costs only
 * a rate-limited warning and a retry at the next refresh; a route fenced off by a higher term (this
 * node was deposed and does not know it yet) is not retried until the term changes.
 *
 * <p><b>Threading:</b> one thread of its own, from the given factory; {@link #close} stops it.
 */
public final class RoutePublisher implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(RoutePublisher.class.getName());
  private static final RateLimitedLog LIMITED = RateLimitedLog.of(LOG);
  private static final long POLL_MILLIS = 200;

  private final String clusterId;
  private final Supplier<RaftStatus> status;
  private final Supplier<List<String>> queueServers;
  private final String caPem;
  private final Duration ttl;
  private final Duration refresh;
  private final RouteRegistry registry;
  private final LongSupplier wallClockMillis;
  private final Thread thread;
  private volatile boolean closed;

  // The publisher thread only.
  private ClusterRoute lastShape;
  private long lastPublishedNanos;
  private long fencedAtTerm = -1;

  /**
   * @param queueServers this cluster's queue servers (host:port), as the route names them
   * @param caPem the CA the queue servers' certificates chain to, empty for plain text
   */
  public RoutePublisher(
      String clusterId,
      Supplier<RaftStatus> status,
      Supplier<List<String>> queueServers,
      String caPem,
      Duration ttl,
      Duration refresh,
      RouteRegistry registry,
      LongSupplier wallClockMillis,
      ThreadFactory threads) {
    if (refresh.compareTo(ttl.dividedBy(2)) > 0) {
      throw new IllegalArgumentException(
          "a route refreshed every "
              + refresh.toMillis()
              + " ms would expire (ttl "
              + ttl.toMillis()
              + " ms): refresh at most every half of the ttl");
    }
    this.clusterId = clusterId;
    this.status = status;
    this.queueServers = queueServers;
    this.caPem = caPem;
    this.ttl = ttl;
    this.refresh = refresh;
    this.registry = registry;
    this.wallClockMillis = wallClockMillis;
    this.thread = threads.newThread(this::run);
    this.thread.setName("spindle-route-publisher");
  }

  public RoutePublisher start() {
    thread.start();
    return this;
  }

  private void run() {
    while (!closed) {
      try {
        tick();
      } catch (RuntimeException e) {
        LIMITED.log(
            Level.WARNING,
            "publish",
            () -> "cannot publish cluster " + clusterId + "'s route: " + e.getMessage(),
            null);
      }
      try {
        Thread.sleep(POLL_MILLIS);
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  /** One look at the node's status; publishes if due. Package-private for tests. */
  void tick() {
    RaftStatus s = status.get();
    if (!s.isLeader()) {
      lastShape = null;
      return;
    }
    ClusterRoute shape =
        ClusterRoute.newBuilder()
            .setClusterId(clusterId)
            .addAllQueueServers(queueServers.get())
            .setLeaderId(s.id().toString())
            .setTerm(s.term())
            .addAllMembers(GlobalPing.routeMembers(s))
            .setTtlMs((int) ttl.toMillis())
            .setCaPem(caPem)
            .build();
    boolean changed = !shape.equals(lastShape);
    boolean due = System.nanoTime() - lastPublishedNanos >= refresh.toNanos();
    if (!changed && !due) {
      return;
    }
    if (s.term() <= fencedAtTerm) {
      return;
    }
    ClusterRoute route = shape.toBuilder().setPublishedAtMs(wallClockMillis.getAsLong()).build();
    Optional<Long> fenced;
    try {
      fenced = registry.publish(route);
    } catch (RedisUnavailableException e) {
      lastPublishedNanos = System.nanoTime(); // retry at the next refresh, not every poll
      lastShape = null;
      LIMITED.log(
          Level.WARNING,
          "redis",
          () ->
              "cannot publish cluster "
                  + clusterId
                  + "'s route: "
                  + e.getMessage()
                  + "; global pings to this cluster fail until it is back (retrying every "
                  + refresh.toMillis()
                  + " ms)",
          null);
      return;
    }
    if (fenced.isPresent()) {
      fencedAtTerm = s.term();
      LOG.warning(
          () ->
              "not publishing cluster "
                  + clusterId
                  + "'s route of term "
                  + s.term()
                  + ": Redis holds one of term "
                  + fenced.get()
                  + " (this node is no longer the leader)");
      return;
    }
    if (changed) {
      LOG.info(
          () ->
              "published cluster "
                  + clusterId
                  + "'s route to "
                  + registry.describe()
                  + ": leader "
                  + s.id()
                  + ", term "
                  + s.term()
                  + ", "
                  + route.getMembersCount()
                  + " members");
    }
    lastShape = shape;
    lastPublishedNanos = System.nanoTime();
  }

  @Override
  public void close() {
    closed = true;
    thread.interrupt();
  }
}
