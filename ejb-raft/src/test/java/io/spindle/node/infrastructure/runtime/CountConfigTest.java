package io.spindle.node.infrastructure.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spindle.node.application.CountService;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class CountConfigTest {
  @Test
  void unsetKeysKeepTheDefaultsAndSetOnesApply() {
    assertEquals(CountService.Settings.defaults(), CountConfig.read(key -> Optional.empty()));
    Map<String, String> values =
        Map.of(
            CountConfig.RANGE_BYTES, "65536",
            CountConfig.CACHE_ENTRIES, " 3 ",
            CountConfig.MAX_DISTINCT_WORDS, "1000");
    CountService.Settings s = CountConfig.read(key -> Optional.ofNullable(values.get(key)));
    assertEquals(65536, s.rangeBytes());
    assertEquals(3, s.cacheEntries());
    assertEquals(1000, s.maxDistinctWords());
  }

  @Test
  void aMalformedOrNonPositiveValueNamesItsKeyAndEnvVar() {
    IllegalArgumentException malformed =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                CountConfig.read(
                    key ->
                        key.equals(CountConfig.RANGE_BYTES)
                            ? Optional.of("64MiB")
                            : Optional.empty()));
    assertTrue(
        malformed.getMessage().contains("SPINDLE_COUNT_RANGE_BYTES"), malformed.getMessage());
    IllegalArgumentException zero =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                CountConfig.read(
                    key ->
                        key.equals(CountConfig.RANGE_BYTES) ? Optional.of("0") : Optional.empty()));
    assertTrue(zero.getMessage().contains("spindle.count.range-bytes"), zero.getMessage());
  }
}
