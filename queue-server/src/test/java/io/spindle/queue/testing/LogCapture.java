package io.spindle.queue.testing;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/** Collects what a logger (and its children) logs, for tests that check a reason was logged. */
public final class LogCapture extends Handler implements AutoCloseable {
  private final Logger logger;
  private final List<LogRecord> records = new CopyOnWriteArrayList<>();
  private final Level previousLevel;

  private LogCapture(Logger logger) {
    this.logger = logger;
    this.previousLevel = logger.getLevel();
  }

  /** Captures everything logged under {@code loggerName}, FINE included, instead of printing it. */
  public static LogCapture start(String loggerName) {
    LogCapture capture = new LogCapture(Logger.getLogger(loggerName));
    capture.setLevel(Level.ALL);
    capture.logger.setLevel(Level.ALL);
    capture.logger.setUseParentHandlers(false);
    capture.logger.addHandler(capture);
    return capture;
  }

  @Override
  public void publish(LogRecord record) {
    records.add(record);
  }

  /** The messages at {@code level} or above. */
  public List<String> messages(Level level) {
    return records.stream()
        .filter(r -> r.getLevel().intValue() >= level.intValue())
        .map(LogRecord::getMessage)
        .toList();
  }

  /** Whether one message at {@code level} or above contains every fragment. */
  public boolean contains(Level level, String... fragments) {
    return messages(level).stream()
        .anyMatch(
            m -> {
              for (String f : fragments) {
                if (!m.contains(f)) {
                  return false;
                }
              }
              return true;
            });
  }

  /** How many messages at {@code level} or above contain {@code fragment}. */
  public long count(Level level, String fragment) {
    return messages(level).stream().filter(m -> m.contains(fragment)).count();
  }

  @Override
  public void flush() {}

  @Override
  public void close() {
    logger.removeHandler(this);
    logger.setLevel(previousLevel);
    logger.setUseParentHandlers(true);
  }
}
