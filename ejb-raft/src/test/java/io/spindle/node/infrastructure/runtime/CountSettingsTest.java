package io.spindle.node.infrastructure.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spindle.node.application.CountService;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class CountSettingsTest {
  @Test
  void unsetKeysKeepTheDefaultsAndSetOnesApply() {
    assertEquals(CountService.Settings.defaults(), CountSettings.read(key -> Optional.empty()));
    Map<String, String> values =
        Map.of(
            CountSettings.RANGE_BYTES, "65536",
            CountSettings.CACHE_ENTRIES, " 3 ",
            CountSettings.MAX_DISTINCT_WORDS, "1000");
    CountService.Settings s = CountSettings.read(key -> Optional.ofNullable(values.get(key)));
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
                CountSettings.read(
                    key ->
                        key.equals(CountSettings.RANGE_BYTES)
                            ? Optional.of("64MiB")
                            : Optional.empty()));
    assertTrue(
        malformed.getMessage().contains("SPINDLE_COUNT_RANGE_BYTES"), malformed.getMessage());
    IllegalArgumentException zero =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                CountSettings.read(
                    key ->
                        key.equals(CountSettings.RANGE_BYTES)
                            ? Optional.of("0")
                            : Optional.empty()));
    assertTrue(zero.getMessage().contains("spindle.count.range-bytes"), zero.getMessage());
  }
}
