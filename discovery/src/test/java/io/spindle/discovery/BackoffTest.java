package io.spindle.discovery;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class BackoffTest {

  @Test
  void doublesFromInitialUpToMaxWithinItsJitter() {
    Backoff lowest = new Backoff(Duration.ofMillis(100), Duration.ofMillis(1000), bound -> 0);
    Backoff highest =
        new Backoff(Duration.ofMillis(100), Duration.ofMillis(1000), bound -> bound - 1);

    long[] expectedCeilings = {100, 200, 400, 800, 1000, 1000};
    for (long ceiling : expectedCeilings) {
      assertEquals(Duration.ofMillis(ceiling / 2), lowest.next(), "the lower half is cut off");
      assertEquals(Duration.ofMillis(ceiling), highest.next(), "never above the ceiling");
    }
  }
}
