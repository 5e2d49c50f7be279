package io.spindle.raft;

import java.util.Arrays;
import java.util.Optional;

/** A {@link SnapshotStore} in memory, for tests and simulations. Everything it holds is durable. */
public final class MemorySnapshotStore implements SnapshotStore {
  private SnapshotMeta latest;
  private byte[] latestData = new byte[0];
  private SnapshotMeta receiving;
  private byte[] received = new byte[0];
  private int receivedLength;

  @Override
  public Optional<SnapshotMeta> latest() {
    return Optional.ofNullable(latest);
  }

  /** The bytes of the latest snapshot. */
  public byte[] latestData() {
    return latestData.clone();
  }

  /** Stores a snapshot the local state machine took. */
  public void save(SnapshotMeta meta, byte[] data) {
    if (latest != null && meta.index() < latest.index()) {
      return;
    }
    latest = new SnapshotMeta(meta.index(), meta.term(), meta.configuration(), data.length);
    latestData = data.clone();
  }

  @Override
  public byte[] read(SnapshotMeta meta, long offset, int maxBytes) {
    if (latest == null || latest.index() != meta.index() || latest.term() != meta.term()) {
      throw new StorageException("snapshot " + meta.index() + " is no longer available");
    }
    int from = (int) Math.min(offset, latestData.length);
    int to = (int) Math.min(latestData.length, from + (long) maxBytes);
    return Arrays.copyOfRange(latestData, from, to);
  }

  @Override
  public void beginReceive(SnapshotMeta meta) {
    receiving = meta;
    received = new byte[(int) Math.min(meta.size(), 1 << 20)];
    receivedLength = 0;
  }

  @Override
  public void writeChunk(SnapshotMeta meta, long offset, byte[] data) {
    if (receiving == null || !receiving.equals(meta) || offset != receivedLength) {
      throw new StorageException("chunk at " + offset + " does not continue the snapshot received");
    }
    if (receivedLength + data.length > received.length) {
      received =
          Arrays.copyOf(received, Math.max(received.length * 2, receivedLength + data.length));
    }
    System.arraycopy(data, 0, received, receivedLength, data.length);
    receivedLength += data.length;
  }

  @Override
  public void completeReceive(SnapshotMeta meta) {
    if (receiving == null || !receiving.equals(meta)) {
      throw new StorageException("no snapshot " + meta.index() + " is being received");
    }
    latest = new SnapshotMeta(meta.index(), meta.term(), meta.configuration(), receivedLength);
    latestData = Arrays.copyOf(received, receivedLength);
    receiving = null;
  }
}
