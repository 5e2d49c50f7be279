package io.spindle.raft.server;

import io.spindle.raft.HardState;
import io.spindle.raft.SnapshotMeta;
import io.spindle.raft.SnapshotStore;
import io.spindle.raft.StorageException;
import io.spindle.raft.StorageId;
import io.spindle.raft.server.log.FileHardStateStore;
import io.spindle.raft.server.log.FileSnapshotStore;
import io.spindle.raft.server.log.FsyncObserver;
import io.spindle.raft.server.log.SegmentedLogStore;
import io.spindle.raft.server.log.SnapshotWriter;
import io.spindle.raft.server.log.StorageIdentity;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@link RaftStorage} in a node's data directory: the segmented log in {@code log/}, the term and
 * vote in {@code hard-state}, snapshots in {@code snapshots/}, the storage identity in {@code
 * storage-id} (see {@code io.spindle.raft.server.log}).
 */
public final class DurableRaftStorage implements RaftStorage {
  private final Path dataDir;
  private final StorageId storageId;
  private final SegmentedLogStore log;
  private final FileHardStateStore hardState;
  private final FileSnapshotStore snapshots;

  private DurableRaftStorage(
      Path dataDir,
      StorageId storageId,
      SegmentedLogStore log,
      FileHardStateStore hardState,
      FileSnapshotStore snapshots) {
    this.dataDir = dataDir;
    this.storageId = storageId;
    this.log = log;
    this.hardState = hardState;
    this.snapshots = snapshots;
  }

  /**
   * Opens (creating if needed) and recovers the storage in {@code dataDir}.
   *
   * @throws StorageException if it is damaged beyond what a crash explains, or in use elsewhere
   */
  public static DurableRaftStorage open(Path dataDir) {
    return open(dataDir, FsyncObserver.NONE);
  }

  /**
   * Opens and recovers the storage in {@code dataDir} as {@link #open(Path)} does, telling {@code
   * fsyncObserver} how long each fsync of the log takes (see {@link FsyncObserver}).
   */
  public static DurableRaftStorage open(Path dataDir, FsyncObserver fsyncObserver) {
    StorageId storageId = StorageIdentity.loadOrCreate(dataDir, holdsRaftState(dataDir));
    SegmentedLogStore log =
        SegmentedLogStore.open(
            dataDir.resolve("log"),
            SegmentedLogStore.DEFAULT_SEGMENT_BYTES,
            SegmentedLogStore.DEFAULT_TAIL_CACHE_BYTES,
            fsyncObserver);
    FileHardStateStore hardState = null;
    try {
      hardState = new FileHardStateStore(dataDir);
      FileSnapshotStore snapshots = new FileSnapshotStore(dataDir.resolve("snapshots"));
      return new DurableRaftStorage(dataDir, storageId, log, hardState, snapshots);
    } catch (RuntimeException e) {
      if (hardState != null) {
        hardState.close();
      }
      log.close();
      throw e;
    }
  }

  /** Whether {@code dataDir} holds a hard state, or a log with entries or a compaction point. */
  private static boolean holdsRaftState(Path dataDir) {
    if (Files.exists(dataDir.resolve("hard-state"))) {
      return true;
    }
    Path logDir = dataDir.resolve("log");
    if (!Files.isDirectory(logDir)) {
      return false;
    }
    try (DirectoryStream<Path> files =
        Files.newDirectoryStream(logDir, "{log-*.seg,compaction-point}")) {
      return files.iterator().hasNext();
    } catch (IOException e) {
      throw new StorageException("cannot list " + logDir + ": " + e, e);
    }
  }

  public Path dataDir() {
    return dataDir;
  }

  @Override
  public StorageId storageId() {
    return storageId;
  }

  @Override
  public SegmentedLogStore log() {
    return log;
  }

  @Override
  public SnapshotStore snapshots() {
    return snapshots;
  }

  @Override
  public HardState loadHardState() {
    return hardState.load();
  }

  @Override
  public void saveHardState(HardState state) {
    hardState.save(state);
  }

  @Override
  public SnapshotDraft writeSnapshot(SnapshotMeta meta, SnapshotContent content) {
    SnapshotWriter writer = snapshots.beginSave(meta.index(), meta.term(), meta.configuration());
    try {
      content.writeTo(writer);
      writer.sync();
    } catch (IOException | RuntimeException e) {
      writer.close();
      throw new StorageException(
          "could not write snapshot " + meta.index() + " to " + dataDir + ": " + e, e);
    }
    return new SnapshotDraft() {
      @Override
      public SnapshotMeta meta() {
        return meta;
      }

      @Override
      public SnapshotMeta commit() {
        return writer.commit();
      }

      @Override
      public void discard() {
        writer.close();
      }
    };
  }

  @Override
  public InputStream openSnapshot(SnapshotMeta meta) {
    return snapshots.open(meta);
  }

  /** Closes every file; collects failures and throws the first with the others suppressed. */
  @Override
  public void close() {
    List<RuntimeException> failures = new ArrayList<>();
    for (AutoCloseable c : List.<AutoCloseable>of(snapshots, hardState, log)) {
      try {
        c.close();
      } catch (RuntimeException e) {
        failures.add(e);
      } catch (Exception e) {
        failures.add(new StorageException("could not close " + c + ": " + e, e));
      }
    }
    if (!failures.isEmpty()) {
      RuntimeException first = failures.get(0);
      failures.subList(1, failures.size()).forEach(first::addSuppressed);
      throw first;
    }
  }
}
