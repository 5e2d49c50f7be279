package io.spindle.queue.jobs;

import java.time.Duration;
import java.time.InstantSource;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The answers of finished requests, by request id, for a while: a client that retries with the same
 * request id (its connection or its queue server died before the answer arrived) gets the first
 * answer instead of a second effect. Bounded in entries and in age; the oldest go first.
 *
 * <p>Not thread-safe: the queue service's thread owns it.
 */
public final class ResultCache<R> {
  private final int maxEntries;
  private final Duration ttl;
  private final InstantSource clock;
  private final LinkedHashMap<String, Cached<R>> entries = new LinkedHashMap<>();

  private record Cached<R>(R result, long expiresAtMillis) {}

  public ResultCache(int maxEntries, Duration ttl, InstantSource clock) {
    if (maxEntries <= 0) {
      throw new IllegalArgumentException("maxEntries must be positive: " + maxEntries);
    }
    this.maxEntries = maxEntries;
    this.ttl = Objects.requireNonNull(ttl, "ttl");
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  public void put(String requestId, R result) {
    entries.remove(requestId);
    entries.put(requestId, new Cached<>(result, clock.millis() + ttl.toMillis()));
    while (entries.size() > maxEntries) {
      Iterator<Map.Entry<String, Cached<R>>> it = entries.entrySet().iterator();
      it.next();
      it.remove();
    }
  }

  public Optional<R> get(String requestId) {
    Cached<R> c = entries.get(requestId);
    if (c == null || c.expiresAtMillis() <= clock.millis()) {
      return Optional.empty();
    }
    return Optional.of(c.result());
  }

  /** Forgets the answers older than the time to live. */
  public void expire() {
    long now = clock.millis();
    for (Iterator<Cached<R>> it = entries.values().iterator(); it.hasNext(); ) {
      if (it.next().expiresAtMillis() <= now) {
        it.remove();
      } else {
        return; // insertion order is expiry order
      }
    }
  }

  public int size() {
    return entries.size();
  }
}
