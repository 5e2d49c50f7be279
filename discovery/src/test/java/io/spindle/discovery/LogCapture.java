package io.spindle.discovery;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/** Collects what the discovery package logs, for tests that check a reason was logged. */
final class LogCapture extends Handler implements AutoCloseable {
  private static final Logger PACKAGE = Logger.getLogger("io.spindle.discovery");

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

  /** The messages at exactly {@code level}. */
  List<String> messages(Level level) {
    return records.stream().filter(r -> r.getLevel().equals(level)).map(this::text).toList();
  }

  /** Whether any message at any level, or its exception, contains {@code text}. */
  boolean anyContains(String text) {
    return records.stream().anyMatch(r -> text(r).contains(text));
  }

  private String text(LogRecord record) {
    String message = String.valueOf(record.getMessage());
    return record.getThrown() == null ? message : message + " " + record.getThrown();
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
