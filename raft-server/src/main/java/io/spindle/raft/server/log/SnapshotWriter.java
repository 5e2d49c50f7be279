package io.spindle.raft.server.log;

import io.spindle.raft.SnapshotMeta;
import io.spindle.raft.StorageException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;

/**
 * Where the local state machine writes a snapshot of itself: an {@link OutputStream} into a
 * temporary file. {@link #commit()} makes it durable and the store's latest snapshot; closing
 * without committing throws the partial file away, so a failed snapshot leaves nothing behind.
 *
 * <p><b>Threading:</b> the data may be written on any one thread (a state machine may dump itself
 * off the driver's thread); {@link #commit()} changes the store and so runs on the driver's thread,
 * like every {@link FileSnapshotStore} call.
 */
public final class SnapshotWriter extends OutputStream {
  private static final int BUFFER_BYTES = 64 << 10;

  private final FileSnapshotStore store;
  private final PendingSnapshot pending;
  private final ByteBuffer buffer = ByteBuffer.allocate(BUFFER_BYTES);
  private boolean ended;

  SnapshotWriter(FileSnapshotStore store, PendingSnapshot pending) {
    this.store = store;
    this.pending = pending;
  }

  @Override
  public void write(int b) throws IOException {
    checkOpen();
    if (!buffer.hasRemaining()) {
      flush();
    }
    buffer.put((byte) b);
  }

  @Override
  public void write(byte[] bytes, int offset, int length) throws IOException {
    checkOpen();
    if (length > buffer.remaining()) {
      flush();
    }
    if (length >= BUFFER_BYTES) {
      pending.write(ByteBuffer.wrap(bytes, offset, length));
      return;
    }
    buffer.put(bytes, offset, length);
  }

  /** Hands the buffered bytes to the file; durability waits for {@link #commit()}. */
  @Override
  public void flush() throws IOException {
    checkOpen();
    buffer.flip();
    pending.write(buffer);
    buffer.clear();
  }

  /**
   * Writes out the buffered bytes and forces the data to disk, on the thread that writes the data,
   * so that {@link #commit()} on the driver's thread has only the header left to sync.
   */
  public void sync() throws IOException {
    flush();
    pending.force();
  }

  /**
   * Makes the snapshot durable and the store's latest, deleting older ones.
   *
   * @return the snapshot as stored, with its size
   * @throws StorageException if it cannot be made durable; the partial file is then discarded
   */
  public SnapshotMeta commit() {
    try {
      flush();
    } catch (IOException e) {
      close();
      throw DurableFiles.failure("cannot write snapshot " + pending.meta().index(), e);
    }
    ended = true;
    return store.install(pending);
  }

  /** Discards the snapshot unless it was committed. */
  @Override
  public void close() {
    if (ended) {
      return;
    }
    ended = true;
    pending.discard();
  }

  private void checkOpen() throws IOException {
    if (ended) {
      throw new IOException(
          "snapshot " + pending.meta().index() + " was already committed or closed");
    }
  }
}
