package io.spindle.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine.TypeConversionException;

class RateLimitTest {
  private static final long MIB = 1 << 20;

  /** A clock that moves only when the limiter sleeps, or when the test says so. */
  private static final class Clock {
    long now = 1_000;
    final List<Long> sleeps = new ArrayList<>();

    RateLimit limit(long bytesPerSecond) {
      return new RateLimit(
          bytesPerSecond,
          () -> now,
          nanos -> {
            sleeps.add(nanos);
            now += nanos;
          });
    }
  }

  @Test
  void bytesTakenFasterThanTheRateWaitForTheOnesBefore() throws Exception {
    Clock clock = new Clock();
    RateLimit limit = clock.limit(MIB);
    limit.take(MIB);
    limit.take(MIB);
    limit.take(MIB / 2);
    limit.take(MIB);
    assertEquals(List.of(1_000_000_000L, 1_000_000_000L, 500_000_000L), clock.sleeps);
  }

  @Test
  void timeSpentElsewhereCountsButIdleTimeIsNoCredit() throws Exception {
    Clock clock = new Clock();
    RateLimit limit = clock.limit(2 * MIB);
    limit.take(MIB); // paid by now + 0.5 s
    clock.now += 300_000_000L; // the stream spent 0.3 s writing the chunk
    limit.take(MIB);
    assertEquals(List.of(200_000_000L), clock.sleeps);

    clock.now += 60_000_000_000L; // a minute without a read
    limit.take(MIB);
    limit.take(MIB);
    assertEquals(List.of(200_000_000L, 500_000_000L), clock.sleeps, "one chunk at once, not 60 s");
  }

  @Test
  void ratesAreBytesPerSecondWithBinaryUnits() {
    RateLimit.Converter c = new RateLimit.Converter();
    assertEquals(100L, c.convert("100"));
    assertEquals(500L * 1024, c.convert("500K"));
    assertEquals(8 * MIB, c.convert("8M"));
    assertEquals(8 * MIB, c.convert("8m"));
    assertEquals(8 * MIB, c.convert("8MiB"));
    assertEquals(8 * MIB, c.convert("8MB/s"));
    assertEquals(1L << 30, c.convert("1G"));
    assertEquals(1L << 40, c.convert("1024G"), "the largest rate its message names");
    assertEquals(1L << 40, c.convert("1099511627776"));
    for (String bad :
        new String[] {"", "fast", "-1", "0", "8X", "1.5M", "1025G", "1099511627777", "2048G"}) {
      TypeConversionException e =
          assertThrows(TypeConversionException.class, () -> c.convert(bad), bad);
      assertTrue(e.getMessage().contains("'" + bad + "'"), e.getMessage());
    }
  }
}
