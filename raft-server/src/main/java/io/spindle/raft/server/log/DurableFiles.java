package io.spindle.raft.server.log;

import static java.nio.file.StandardCopyOption.ATOMIC_MOVE;
import static java.nio.file.StandardCopyOption.REPLACE_EXISTING;
import static java.nio.file.StandardOpenOption.CREATE;
import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.TRUNCATE_EXISTING;
import static java.nio.file.StandardOpenOption.WRITE;

import io.spindle.raft.StorageException;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The file-system steps that make a change survive a crash. A file's data is durable only after
 * {@link FileChannel#force}; its creation, rename or deletion only after the directory holding it
 * is forced too, which POSIX requires and ext4/XFS honour.
 */
final class DurableFiles {
  private DurableFiles() {}

  /** Makes the entries created, renamed or deleted in {@code dir} so far durable. */
  static void forceDirectory(Path dir) {
    try (FileChannel channel = FileChannel.open(dir, READ)) {
      channel.force(true);
    } catch (IOException e) {
      throw failure("cannot fsync directory " + dir, e);
    }
  }

  /**
   * Replaces {@code target} by {@code content} so that after a crash it holds either the old or the
   * new content, never a mix: write a temporary file, fsync it, rename it over the target, fsync
   * the directory.
   */
  static void replaceAtomically(Path target, ByteBuffer content) {
    Path temporary = temporaryFor(target);
    try (FileChannel channel = FileChannel.open(temporary, CREATE, TRUNCATE_EXISTING, WRITE)) {
      writeFully(channel, content, 0);
      channel.force(true);
    } catch (IOException e) {
      throw failure("cannot write " + temporary, e);
    }
    moveDurably(temporary, target);
  }

  /** The name a file has while {@link #replaceAtomically} writes it. */
  static Path temporaryFor(Path target) {
    return target.resolveSibling(target.getFileName() + ".tmp");
  }

  /** Renames {@code from} to {@code to} atomically, replacing it, and makes the rename durable. */
  static void moveDurably(Path from, Path to) {
    try {
      Files.move(from, to, ATOMIC_MOVE, REPLACE_EXISTING);
    } catch (IOException e) {
      throw failure("cannot rename " + from + " to " + to, e);
    }
    forceDirectory(to.getParent());
  }

  static void deleteIfExists(Path file) {
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      throw failure("cannot delete " + file, e);
    }
  }

  static void createDirectories(Path dir) {
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw failure("cannot create directory " + dir, e);
    }
  }

  /** Writes all of {@code buffer} at {@code position}; a channel may write less per call. */
  static void writeFully(FileChannel channel, ByteBuffer buffer, long position) throws IOException {
    long at = position;
    while (buffer.hasRemaining()) {
      at += channel.write(buffer, at);
    }
  }

  /** Fills {@code buffer} from {@code position}, failing if the file ends first. */
  static void readFully(FileChannel channel, ByteBuffer buffer, long position) throws IOException {
    long at = position;
    while (buffer.hasRemaining()) {
      int read = channel.read(buffer, at);
      if (read < 0) {
        throw new EOFException("the file ends at " + at + ", before the bytes expected there");
      }
      at += read;
    }
  }

  static StorageException failure(String what, IOException cause) {
    return new StorageException(what + ": " + cause, cause);
  }
}
