package io.spindle.protocol.logging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;

/** Issue 13: a job failing in a loop wrote 33,000 warnings a minute per node; now a few. */
class RateLimitedLogTest {
  @Test
  void aRepeatedErrorLogsAFewLinesPerWindowAndCountsTheRest() {
    Logger logger = Logger.getLogger("rate-limited-log-test");
    logger.setUseParentHandlers(false);
    List<LogRecord> records = new ArrayList<>();
    Handler capture =
        new Handler() {
          @Override
          public void publish(LogRecord record) {
            records.add(record);
          }

          @Override
          public void flush() {}

          @Override
          public void close() {}
        };
    logger.addHandler(capture);
    AtomicLong now = new AtomicLong();
    RateLimitedLog log = new RateLimitedLog(logger, 3, 1_000, now::get);

    for (int i = 0; i < 100; i++) {
      log.log(Level.WARNING, "boom", () -> "job failed", null);
    }
    log.log(Level.WARNING, "other", () -> "another error", null);
    assertEquals(4, records.size(), "3 of the flood, and the other key's line");

    now.set(1_000);
    log.log(Level.WARNING, "boom", () -> "job failed", null);
    String last = records.get(records.size() - 1).getMessage();
    assertTrue(last.contains("97 more like it were not logged"), last);
    logger.removeHandler(capture);
  }
}
