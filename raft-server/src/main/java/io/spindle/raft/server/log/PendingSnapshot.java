package io.spindle.raft.server.log;

import static java.nio.file.StandardOpenOption.CREATE_NEW;
import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.WRITE;

import io.spindle.raft.SnapshotMeta;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.zip.CRC32C;

/**
 * A snapshot file being written, under a temporary name that {@link FileSnapshotStore} discards on
 * open: a placeholder header, then the data as it comes. {@link #finish} completes the header,
 * fsyncs and renames the file into place, so a snapshot file under its final name is always whole.
 */
final class PendingSnapshot {
  private final Path file;
  private final FileChannel channel;
  private final SnapshotMeta meta;
  private final int headerLength;
  private final CRC32C crc = new CRC32C();
  private long size;

  private PendingSnapshot(Path file, FileChannel channel, SnapshotMeta meta, int headerLength) {
    this.file = file;
    this.channel = channel;
    this.meta = meta;
    this.headerLength = headerLength;
  }

  /** Creates {@code file}, which must not exist, for the snapshot {@code meta} describes. */
  static PendingSnapshot create(Path file, SnapshotMeta meta) throws IOException {
    SnapshotHeader placeholder = new SnapshotHeader(meta, 0);
    FileChannel channel = FileChannel.open(file, CREATE_NEW, READ, WRITE);
    try {
      DurableFiles.writeFully(channel, placeholder.encode(), 0);
    } catch (IOException e) {
      channel.close();
      DurableFiles.deleteIfExists(file);
      throw e;
    }
    return new PendingSnapshot(file, channel, meta, placeholder.length());
  }

  Path file() {
    return file;
  }

  SnapshotMeta meta() {
    return meta;
  }

  /** Data bytes written so far. */
  long size() {
    return size;
  }

  /** Appends {@code data} (all of its remaining bytes); not durable until {@link #finish}. */
  void write(ByteBuffer data) throws IOException {
    crc.update(data.duplicate());
    int length = data.remaining();
    DurableFiles.writeFully(channel, data, headerLength + size);
    size += length;
  }

  /** Forces the data written so far to disk (the header is written and synced by finish). */
  void force() throws IOException {
    channel.force(false);
  }

  /**
   * Writes the real header, fsyncs, and renames the file to {@code target} durably.
   *
   * @return what the snapshot now on disk holds: {@link #meta()} with the size written
   */
  SnapshotMeta finish(Path target) throws IOException {
    SnapshotMeta written = new SnapshotMeta(meta.index(), meta.term(), meta.configuration(), size);
    DurableFiles.writeFully(channel, new SnapshotHeader(written, (int) crc.getValue()).encode(), 0);
    channel.force(true);
    channel.close();
    DurableFiles.moveDurably(file, target);
    return written;
  }

  /** Drops the partial file. */
  void discard() {
    try {
      channel.close();
    } catch (IOException e) {
      throw DurableFiles.failure("cannot close the partial snapshot " + file, e);
    } finally {
      DurableFiles.deleteIfExists(file);
    }
  }
}
