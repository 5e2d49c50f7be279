package io.spindle.testkit;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Collects what a {@code java.util.logging} logger and its children log, for tests that check a
 * reason was logged. Every level is captured, FINE included, instead of printed; {@link #close()}
 * puts the logger back as it was. Thread-safe: handlers publish from any thread.
 */
public final class LogCapture extends Handler implements AutoCloseable {
  private final Logger logger;
  private final List<LogRecord> records = new CopyOnWriteArrayList<>();
  private final Level previousLevel;
  private final boolean previousUseParentHandlers;

  private LogCapture(Logger logger) {
    this.logger = logger;
    this.previousLevel = logger.getLevel();
    this.previousUseParentHandlers = logger.getUseParentHandlers();
  }

  /** Captures everything logged under {@code loggerName} (a package name, usually). */
  public static LogCapture start(String loggerName) {
    LogCapture capture = new LogCapture(Logger.getLogger(loggerName));
    capture.setLevel(Level.ALL);
    capture.logger.setLevel(Level.ALL);
    capture.logger.setUseParentHandlers(false);
    capture.logger.addHandler(capture);
    return capture;
  }

  /** Captures everything logged in {@code type}'s package. */
  public static LogCapture start(Class<?> type) {
    return start(type.getPackageName());
  }

  @Override
  public void publish(LogRecord record) {
    records.add(record);
  }

  /** The messages at {@code level} or above, as logged (not formatted). */
  public List<String> messages(Level level) {
    return records.stream()
        .filter(r -> r.getLevel().intValue() >= level.intValue())
        .map(r -> String.valueOf(r.getMessage()))
        .toList();
  }

  /** The messages at exactly {@code level}. */
  public List<String> messagesAt(Level level) {
    return records.stream()
        .filter(r -> r.getLevel().equals(level))
        .map(r -> String.valueOf(r.getMessage()))
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

  /** Whether any message at any level, or the exception logged with it, contains {@code text}. */
  public boolean anyContains(String text) {
    return records.stream().anyMatch(r -> withThrown(r).contains(text));
  }

  private static String withThrown(LogRecord record) {
    String message = String.valueOf(record.getMessage());
    return record.getThrown() == null ? message : message + " " + record.getThrown();
  }

  @Override
  public void flush() {}

  @Override
  public void close() {
    logger.removeHandler(this);
    logger.setLevel(previousLevel);
    logger.setUseParentHandlers(previousUseParentHandlers);
  }
}
