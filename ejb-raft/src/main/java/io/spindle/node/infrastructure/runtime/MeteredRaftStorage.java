package io.spindle.node.infrastructure.runtime;

import io.spindle.raft.Entry;
import io.spindle.raft.HardState;
import io.spindle.raft.LogStore;
import io.spindle.raft.SnapshotMeta;
import io.spindle.raft.SnapshotStore;
import io.spindle.raft.StorageId;
import io.spindle.raft.server.RaftStorage;
import java.io.InputStream;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * A {@link RaftStorage} that counts the log's appends into {@link NodeStatistics} (the fsyncs are
 * timed by the log itself, through its {@code FsyncObserver}); otherwise it passes everything
 * through. Same threading as the storage it wraps (the driver's thread).
 */
final class MeteredRaftStorage implements RaftStorage {
  private final RaftStorage storage;
  private final LogStore log;

  /**
   * @param leading whether the node leads now: entries it appends then are its proposals (and the
   *     no-op of each new term)
   */
  MeteredRaftStorage(RaftStorage storage, NodeStatistics statistics, BooleanSupplier leading) {
    this.storage = storage;
    this.log = new MeteredLog(storage.log(), statistics, leading);
  }

  @Override
  public StorageId storageId() {
    return storage.storageId();
  }

  @Override
  public LogStore log() {
    return log;
  }

  @Override
  public SnapshotStore snapshots() {
    return storage.snapshots();
  }

  @Override
  public HardState loadHardState() {
    return storage.loadHardState();
  }

  @Override
  public void saveHardState(HardState hardState) {
    storage.saveHardState(hardState);
  }

  @Override
  public SnapshotDraft writeSnapshot(SnapshotMeta meta, SnapshotContent content) {
    return storage.writeSnapshot(meta, content);
  }

  @Override
  public InputStream openSnapshot(SnapshotMeta meta) {
    return storage.openSnapshot(meta);
  }

  @Override
  public void close() {
    storage.close();
  }

  private static final class MeteredLog implements LogStore {
    private final LogStore log;
    private final NodeStatistics statistics;
    private final BooleanSupplier leading;

    MeteredLog(LogStore log, NodeStatistics statistics, BooleanSupplier leading) {
      this.log = log;
      this.statistics = statistics;
      this.leading = leading;
    }

    @Override
    public long snapshotIndex() {
      return log.snapshotIndex();
    }

    @Override
    public long snapshotTerm() {
      return log.snapshotTerm();
    }

    @Override
    public long lastIndex() {
      return log.lastIndex();
    }

    @Override
    public long term(long index) {
      return log.term(index);
    }

    @Override
    public List<Entry> entries(long from, long toInclusive, long maxBytes) {
      return log.entries(from, toInclusive, maxBytes);
    }

    @Override
    public void append(List<Entry> entries) {
      log.append(entries);
      statistics.appended(entries.size());
      if (leading.getAsBoolean()) {
        statistics.proposed(entries.size());
      }
    }

    @Override
    public void sync() {
      log.sync();
    }

    @Override
    public void compact(long index, long term) {
      log.compact(index, term);
    }

    @Override
    public void reset(long index, long term) {
      log.reset(index, term);
    }
  }
}
