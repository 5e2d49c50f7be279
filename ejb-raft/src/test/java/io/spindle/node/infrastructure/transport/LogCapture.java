package io.spindle.node.infrastructure.transport;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/** Collects what the transport package logs, for tests that check a reason was logged. */
final class LogCapture extends Handler implements AutoCloseable {
  private static final Logger PACKAGE =
      Logger.getLogger("io.spindle.node.infrastructure.transport");

  private final List<LogRecord> records = new CopyOnWriteArrayList<>();
  private final Level previousLevel;

  private LogCapture() {
    previousLevel = PACKAGE.getLevel();
  }

  /** Captures every level, FINE included, instead of printing to the console. */
  static LogCapture start() {
    LogCapture capture = new LogCapture();
    capture.setLevel(Level.ALL);
    PACKAGE.setLevel(Level.ALL);
    PACKAGE.setUseParentHandlers(false);
    PACKAGE.addHandler(capture);
    return capture;
  }

  @Override
  public void publish(LogRecord record) {
    records.add(record);
  }

  /** The formatted messages at {@code level} or above. */
  List<String> messages(Level level) {
    return records.stream()
        .filter(r -> r.getLevel().intValue() >= level.intValue())
        .map(r -> r.getMessage())
        .toList();
  }

  boolean contains(Level level, String... fragments) {
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

  /** Whether any message at any level contains {@code text}. */
  boolean anyContains(String text) {
    return messages(Level.ALL).stream().anyMatch(m -> m.contains(text));
  }

  @Override
  public void flush() {}

  @Override
  public void close() {
    PACKAGE.removeHandler(this);
    PACKAGE.setLevel(previousLevel);
    PACKAGE.setUseParentHandlers(true);
  }
}
