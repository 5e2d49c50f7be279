package io.spindle.cli;

import java.io.InterruptedIOException;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * A cap on the bytes per second all streams of one download take together ({@code spindle read
 * --limit-rate}): each stream takes its next chunk's bytes before it reads them, and waits while
 * the streams are ahead of the rate, so the holders' sends wait in the sockets' windows. A stream
 * that was idle gets no credit for it: at most one chunk goes out at once above the rate.
 */
final class RateLimit {
  /** Bytes per second, e.g. {@code 500K}, {@code 8M}, {@code 1G} (binary units, as curl's). */
  static final class Converter implements ITypeConverter<Long> {
    private static final long MAX_BYTES_PER_SECOND = 1L << 40; // 1024G
    private static final Pattern RATE =
        Pattern.compile("([0-9]{1,15})([kKmMgG]?)(?:i?[bB])?(?:/s)?");

    @Override
    public Long convert(String value) {
      Matcher m = RATE.matcher(value.trim());
      if (!m.matches()) {
        throw new TypeConversionException(
            "'" + value + "' is not a rate: bytes per second, e.g. 500K, 8M or 1G");
      }
      long n = Long.parseLong(m.group(1));
      int shift =
          switch (m.group(2).toUpperCase(Locale.ROOT)) {
            case "K" -> 10;
            case "M" -> 20;
            case "G" -> 30;
            default -> 0;
          };
      if (n < 1 || n > (MAX_BYTES_PER_SECOND >> shift)) {
        throw new TypeConversionException(
            "'" + value + "' is out of range: at least 1 byte per second, at most 1024G");
      }
      return n << shift;
    }
  }

  /** How the limiter waits; tests wait on a clock of their own. */
  interface Sleeper {
    void sleepNanos(long nanos) throws InterruptedException;
  }

  private final long bytesPerSecond;
  private final LongSupplier nanoTime;
  private final Sleeper sleeper;
  private long free; // the nanoTime at which the bytes taken so far have been paid for

  RateLimit(long bytesPerSecond) {
    this(bytesPerSecond, System::nanoTime, TimeUnit.NANOSECONDS::sleep);
  }

  RateLimit(long bytesPerSecond, LongSupplier nanoTime, Sleeper sleeper) {
    if (bytesPerSecond < 1) {
      throw new IllegalArgumentException("a rate is at least 1 byte per second");
    }
    this.bytesPerSecond = bytesPerSecond;
    this.nanoTime = nanoTime;
    this.sleeper = sleeper;
    this.free = nanoTime.getAsLong();
  }

  /** Takes {@code bytes}: returns once the bytes taken before them have been paid for. */
  void take(long bytes) throws InterruptedIOException {
    long wait;
    synchronized (this) {
      long now = nanoTime.getAsLong();
      long start = Math.max(free, now);
      free = start + (long) Math.ceil(bytes * 1e9 / bytesPerSecond);
      wait = start - now;
    }
    if (wait > 0) {
      try {
        sleeper.sleepNanos(wait);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("interrupted while keeping to the rate limit");
      }
    }
  }
}
