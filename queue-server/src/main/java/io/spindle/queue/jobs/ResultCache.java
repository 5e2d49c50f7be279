package io.spindle.queue.jobs;

import java.time.Duration;
import java.time.InstantSource;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Objects;
import java.util.Optional;
import java.util.function.ToLongBiFunction;

/**
 * The answers of finished requests, by request id, for a while: a client that retries with the same
 * request id (its connection or its queue server died before the answer arrived) gets the first
 * answer instead of a second effect. Bounded in entries, in bytes (as a weigher counts them) and in
 * age; the oldest go first. One answer heavier than the whole budget is not kept.
 *
 * <p>Not thread-safe: the queue service's thread owns it.
 */
public final class ResultCache<R> {
  private final int maxEntries;
  private final long maxBytes;
  private final ToLongBiFunction<String, R> weigher;
  private final Duration ttl;
  private final InstantSource clock;
  private final LinkedHashMap<String, Cached<R>> entries = new LinkedHashMap<>();
  private long bytes;

  private record Cached<R>(R result, long weight, long expiresAtMillis) {}

  /** A cache bounded by entries and age only (every answer weighs nothing). */
  public ResultCache(int maxEntries, Duration ttl, InstantSource clock) {
    this(maxEntries, Long.MAX_VALUE, (id, r) -> 0, ttl, clock);
  }

  public ResultCache(
      int maxEntries,
      long maxBytes,
      ToLongBiFunction<String, R> weigher,
      Duration ttl,
      InstantSource clock) {
    if (maxEntries <= 0 || maxBytes <= 0) {
      throw new IllegalArgumentException(
          "maxEntries and maxBytes must be positive: " + maxEntries + ", " + maxBytes);
    }
    this.maxEntries = maxEntries;
    this.maxBytes = maxBytes;
    this.weigher = Objects.requireNonNull(weigher, "weigher");
    this.ttl = Objects.requireNonNull(ttl, "ttl");
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  public void put(String requestId, R result) {
    remove(requestId);
    long weight = weigher.applyAsLong(requestId, result);
    if (weight > maxBytes) {
      return;
    }
    entries.put(requestId, new Cached<>(result, weight, clock.millis() + ttl.toMillis()));
    bytes += weight;
    Iterator<Cached<R>> it = entries.values().iterator();
    while (entries.size() > maxEntries || bytes > maxBytes) {
      bytes -= it.next().weight();
      it.remove();
    }
  }

  private void remove(String requestId) {
    Cached<R> old = entries.remove(requestId);
    if (old != null) {
      bytes -= old.weight();
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
      Cached<R> c = it.next();
      if (c.expiresAtMillis() <= now) {
        bytes -= c.weight();
        it.remove();
      } else {
        return; // insertion order is expiry order
      }
    }
  }

  public int size() {
    return entries.size();
  }

  /** The weight of what is cached, in bytes. */
  public long bytes() {
    return bytes;
  }
}
