package io.spindle.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class BackoffTest {
  private static final Duration MIN = Duration.ofMillis(100);
  private static final Duration MAX = Duration.ofSeconds(1);

  @Test
  void theCeilingDoublesUpToTheMaximum() {
    Backoff highest = new Backoff(MIN, MAX, bound -> bound - 1);
    assertEquals(Duration.ofMillis(100), highest.next());
    assertEquals(Duration.ofMillis(200), highest.next());
    assertEquals(Duration.ofMillis(400), highest.next());
    assertEquals(Duration.ofMillis(800), highest.next());
    assertEquals(Duration.ofSeconds(1), highest.next());
    assertEquals(Duration.ofSeconds(1), highest.next());
  }

  @Test
  void jitterStaysWithinTheUpperHalf() {
    Backoff lowest = new Backoff(MIN, MAX, bound -> 0);
    assertEquals(Duration.ofMillis(50), lowest.next());
    assertEquals(Duration.ofMillis(100), lowest.next());
    for (int i = 0; i < 10; i++) {
      lowest.next();
    }
    assertEquals(Duration.ofMillis(500), lowest.next());
  }

  @Test
  void aSuccessStartsOver() {
    Backoff backoff = new Backoff(MIN, MAX, bound -> bound - 1);
    backoff.next();
    backoff.next();
    backoff.reset();
    assertEquals(0, backoff.failures());
    assertEquals(MIN, backoff.next());
  }
}
