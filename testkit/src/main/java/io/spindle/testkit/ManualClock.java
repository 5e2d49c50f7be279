package io.spindle.testkit;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A wall clock that moves only when a test moves it; usable wherever a {@link Clock} or an {@link
 * java.time.InstantSource} is taken. Thread-safe.
 */
public final class ManualClock extends Clock {
  private final AtomicLong millis;

  /** A clock at a fixed instant of November 2023. */
  public ManualClock() {
    this(1_700_000_000_000L);
  }

  public ManualClock(long startMillis) {
    this.millis = new AtomicLong(startMillis);
  }

  public void advance(Duration by) {
    millis.addAndGet(by.toMillis());
  }

  public void set(long epochMillis) {
    millis.set(epochMillis);
  }

  @Override
  public long millis() {
    return millis.get();
  }

  @Override
  public Instant instant() {
    return Instant.ofEpochMilli(millis.get());
  }

  @Override
  public ZoneId getZone() {
    return ZoneOffset.UTC;
  }

  @Override
  public Clock withZone(ZoneId zone) {
    throw new UnsupportedOperationException("a manual clock has one zone, UTC");
  }
}
