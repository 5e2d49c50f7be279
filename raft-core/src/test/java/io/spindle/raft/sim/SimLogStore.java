package io.spindle.raft.sim;

import io.spindle.raft.Entry;
import io.spindle.raft.LogStore;
import java.util.List;

/** The {@link LogStore} a simulated node's core sees: its {@link SimDisk}'s log. */
final class SimLogStore implements LogStore {
  private final SimDisk disk;

  SimLogStore(SimDisk disk) {
    this.disk = disk;
  }

  @Override
  public long snapshotIndex() {
    return disk.snapshotIndex();
  }

  @Override
  public long snapshotTerm() {
    return disk.snapshotTerm();
  }

  @Override
  public long lastIndex() {
    return disk.lastIndex();
  }

  @Override
  public long term(long index) {
    return disk.term(index);
  }

  @Override
  public List<Entry> entries(long from, long toInclusive, long maxBytes) {
    return disk.entries(from, toInclusive, maxBytes);
  }

  @Override
  public void append(List<Entry> entries) {
    disk.append(entries);
  }

  @Override
  public void sync() {
    disk.sync();
  }

  @Override
  public void compact(long index, long term) {
    disk.compact(index, term);
  }

  @Override
  public void reset(long index, long term) {
    disk.reset(index, term);
  }
}
