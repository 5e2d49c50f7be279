package io.spindle.node.infrastructure.runtime;

import io.spindle.node.application.CountService;
import java.util.Optional;
import java.util.function.Function;

/**
 * The count service's settings from MicroProfile Config (each key also as an env var, {@code
 * SPINDLE_COUNT_RANGE_BYTES}…); a key not set keeps {@link CountService.Settings#defaults()}.
 */
final class CountSettings {
  static final String RANGE_BYTES = "spindle.count.range-bytes";
  static final String CACHE_ENTRIES = "spindle.count.cache-entries";
  static final String MAX_DISTINCT_WORDS = "spindle.count.max-distinct-words";

  private CountSettings() {}

  /**
   * @throws IllegalArgumentException naming the key that is malformed and its env var
   */
  static CountService.Settings read(Function<String, Optional<String>> lookup) {
    CountService.Settings d = CountService.Settings.defaults();
    long rangeBytes = number(lookup, RANGE_BYTES, d.rangeBytes());
    long cacheEntries = number(lookup, CACHE_ENTRIES, d.cacheEntries());
    long maxDistinct = number(lookup, MAX_DISTINCT_WORDS, d.maxDistinctWords());
    if (rangeBytes < 1 || cacheEntries < 0 || maxDistinct < 1) {
      throw new IllegalArgumentException(
          NodeSettings.describe(RANGE_BYTES)
              + " and "
              + NodeSettings.describe(MAX_DISTINCT_WORDS)
              + " must be positive, "
              + NodeSettings.describe(CACHE_ENTRIES)
              + " not negative");
    }
    return new CountService.Settings(
        rangeBytes,
        d.rangesInFlight(),
        (int) Math.min(Integer.MAX_VALUE, maxDistinct),
        (int) Math.min(Integer.MAX_VALUE, cacheEntries),
        d.timeout());
  }

  private static long number(Function<String, Optional<String>> lookup, String key, long fallback) {
    Optional<String> value = lookup.apply(key).map(String::trim).filter(v -> !v.isEmpty());
    try {
      return value.map(Long::parseLong).orElse(fallback);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          NodeSettings.describe(key) + " must be a whole number, not '" + value.get() + "'", e);
    }
  }
}
