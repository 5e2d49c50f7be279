package io.spindle.raft.server.log;

import io.spindle.raft.Entry;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

/** Test helpers that build entries and look at, copy and damage log files the way a crash would. */
final class LogFiles {
  private LogFiles() {}

  /** Entry {@code index} with {@code size} bytes of data that depend only on the index. */
  static Entry entry(long index, long term, int size) {
    byte[] data = new byte[size];
    new Random(index * 7919).nextBytes(data);
    return Entry.command(index, term, data);
  }

  /** Entries {@code from..to} in {@code term}, their sizes drawn from {@code random} up to max. */
  static List<Entry> entries(long from, long to, long term, Random random, int maxSize) {
    List<Entry> entries = new ArrayList<>();
    for (long i = from; i <= to; i++) {
      entries.add(entry(i, term, random.nextInt(maxSize + 1)));
    }
    return entries;
  }

  /** The segment files in {@code dir}, oldest first. */
  static List<Path> segments(Path dir) {
    try (Stream<Path> files = Files.list(dir)) {
      return files.filter(f -> Segment.firstIndexOf(f) > 0).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static Path lastSegment(Path dir) {
    List<Path> segments = segments(dir);
    return segments.get(segments.size() - 1);
  }

  /** Where each record of a well-formed segment file starts, then the file's size. */
  static List<Long> recordBoundaries(Path segment) {
    try {
      ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(segment));
      List<Long> boundaries = new ArrayList<>();
      int position = 0;
      while (position < bytes.capacity()) {
        boundaries.add((long) position);
        position += LogRecordFormat.HEADER_BYTES + bytes.getInt(position + 4);
      }
      boundaries.add((long) position);
      return boundaries;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Copies the files of {@code from} into a new directory {@code to}, as a crash would find them.
   */
  static Path copy(Path from, Path to) {
    try {
      Files.createDirectories(to);
      try (Stream<Path> files = Files.list(from)) {
        for (Path file : files.toList()) {
          Files.copy(file, to.resolve(file.getFileName()), StandardCopyOption.REPLACE_EXISTING);
        }
      }
      return to;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static void deleteDirectory(Path dir) {
    try (Stream<Path> files = Files.list(dir)) {
      for (Path file : files.toList()) {
        Files.delete(file);
      }
      Files.delete(dir);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static void truncate(Path file, long size) {
    try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
      raf.setLength(size);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static void flipBit(Path file, long offset, int bit) {
    try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
      raf.seek(offset);
      int value = raf.read();
      raf.seek(offset);
      raf.write(value ^ (1 << bit));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static void appendBytes(Path file, byte[] bytes) {
    try {
      Files.write(file, bytes, java.nio.file.StandardOpenOption.APPEND);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static long size(Path file) {
    try {
      return Files.size(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
