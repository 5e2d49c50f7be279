package io.spindle.raft.server.log;

import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.WRITE;

import io.spindle.raft.StorageException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Brings a log directory back to a state the store can run on, after a clean close or a crash.
 *
 * <p>What a crash can leave, given how {@link SegmentedLogStore} writes, and what is done about it:
 *
 * <ul>
 *   <li>records cut short, zero-filled or half-written at the end of the <em>last</em> segment
 *       (appends are not fsync'd until {@code sync}): a torn tail, truncated with a warning;
 *   <li>segments wholly at or below the compaction point (deleted after the point is stored, not
 *       before): deleted again;
 *   <li>a last segment with no entry above the compaction point (a reset or a full compaction that
 *       did not finish): deleted.
 * </ul>
 *
 * Anything else cannot come from a crash and fails the open: a damaged record with valid records
 * after it, damage in a segment that is not the last (a segment is fsync'd before the next one is
 * created), or entries missing between segments. Dropping such records would silently lose entries
 * this node may have acknowledged, which Raft's safety rests on.
 *
 * <p>The price of that rule: a file system that writes unsynced pages back out of order could leave
 * a hole followed by valid records; that is then reported as corruption rather than guessed at.
 *
 * <p>Last, recovery fsyncs the last segment and the directory. A process killed between an append
 * and its sync leaves the records intact in the page cache: they read back whole, yet a power cut
 * would still lose them. Raft must not acknowledge them on that footing (§5.1), so they are made
 * durable before the store is handed to the core.
 */
final class LogRecovery {
  private static final Logger LOG = Logger.getLogger(LogRecovery.class.getName());

  /**
   * The state recovered: where the log starts and its segments, open, oldest first; {@code fsyncs}
   * counts the syncs recovery made (the last segment and the directory).
   */
  record Recovered(CompactionPoint compactionPoint, List<Segment> segments, int fsyncs) {}

  private record SegmentFile(Path path, long firstIndex) {}

  private final Path dir;
  private final CompactionPoint compactionPoint;
  private final List<Segment> segments = new ArrayList<>();

  private LogRecovery(Path dir, CompactionPoint compactionPoint) {
    this.dir = dir;
    this.compactionPoint = compactionPoint;
  }

  static Recovered recover(Path dir) {
    DurableFiles.deleteIfExists(DurableFiles.temporaryFor(dir.resolve(CompactionPoint.FILE_NAME)));
    LogRecovery recovery = new LogRecovery(dir, CompactionPoint.load(dir));
    try {
      recovery.openSegments(recovery.segmentFilesAboveCompactionPoint());
      recovery.dropLastSegmentIfCompacted();
      recovery.checkLogStartsAfterCompactionPoint();
      recovery.syncWhatACrashMayHaveLeftUnsynced();
    } catch (IOException e) {
      recovery.closeSegments();
      throw DurableFiles.failure("cannot recover the log in " + dir, e);
    } catch (RuntimeException e) {
      recovery.closeSegments();
      throw e;
    }
    return new Recovered(recovery.compactionPoint, List.copyOf(recovery.segments), recovery.fsyncs);
  }

  private int fsyncs;

  /**
   * Only the last segment can hold records never synced (a segment is fsync'd before the next is
   * created); the directory may still owe the creation of that segment.
   */
  private void syncWhatACrashMayHaveLeftUnsynced() throws IOException {
    if (!segments.isEmpty()) {
      segments.get(segments.size() - 1).force();
      fsyncs++;
    }
    DurableFiles.forceDirectory(dir);
    fsyncs++;
  }

  /**
   * The segment files, oldest first, minus those whose successor starts at or below the compaction
   * point + 1: all their entries are compacted, so they are deleted unread.
   */
  private List<SegmentFile> segmentFilesAboveCompactionPoint() throws IOException {
    List<SegmentFile> files = new ArrayList<>();
    try (DirectoryStream<Path> listing = Files.newDirectoryStream(dir, "log-*.seg")) {
      for (Path path : listing) {
        long firstIndex = Segment.firstIndexOf(path);
        if (firstIndex > 0) {
          files.add(new SegmentFile(path, firstIndex));
        }
      }
    }
    files.sort(Comparator.comparingLong(SegmentFile::firstIndex));
    while (files.size() > 1 && files.get(1).firstIndex() <= compactionPoint.index() + 1) {
      SegmentFile compacted = files.remove(0);
      LOG.info(
          () -> "Deleting log segment " + compacted.path() + ": compacted by " + compactionPoint);
      DurableFiles.deleteIfExists(compacted.path());
    }
    return files;
  }

  private void openSegments(List<SegmentFile> files) throws IOException {
    for (int i = 0; i < files.size(); i++) {
      SegmentFile file = files.get(i);
      boolean last = i == files.size() - 1;
      if (!segments.isEmpty()) {
        checkContinues(segments.get(segments.size() - 1), file);
      }
      segments.add(open(file, last));
    }
  }

  private Segment open(SegmentFile file, boolean last) throws IOException {
    FileChannel channel = FileChannel.open(file.path(), READ, WRITE);
    try {
      SegmentScanner.Scan scan = SegmentScanner.scan(file.path(), channel, file.firstIndex());
      if (scan.damage() != null) {
        checkIsTornTail(scan, last);
        truncateTornTail(scan);
      }
      return Segment.recovered(scan);
    } catch (IOException | RuntimeException e) {
      channel.close();
      throw e;
    }
  }

  private void checkIsTornTail(SegmentScanner.Scan scan, boolean last) {
    SegmentScanner.Damage damage = scan.damage();
    if (!last) {
      throw corruptMiddle(
          scan,
          "this is not the last segment, and a segment is fsync'd before the next one is created,"
              + " so a crash cannot have torn it");
    }
    if (damage.validRecordFollows()) {
      throw corruptMiddle(
          scan,
          "a valid record for index "
              + damage.nextValidIndex()
              + " follows at offset "
              + damage.nextValidOffset()
              + ", so this is not the torn end of an interrupted write");
    }
  }

  private void truncateTornTail(SegmentScanner.Scan scan) throws IOException {
    SegmentScanner.Damage damage = scan.damage();
    long lastKept = scan.firstIndex() + scan.count() - 1;
    LOG.warning(
        () ->
            "Truncating the torn tail of log segment "
                + scan.file()
                + " at offset "
                + damage.offset()
                + ": "
                + damage.reason()
                + ". Dropping "
                + (scan.fileSize() - damage.offset())
                + " bytes holding no complete record; the log keeps the entries up to index "
                + lastKept
                + ". This is expected after a crash: these bytes were never synced, so no one was"
                + " told they were stored.");
    scan.channel().truncate(damage.offset());
    scan.channel().force(true);
  }

  private void checkContinues(Segment previous, SegmentFile next) {
    long expected = previous.lastIndex() + 1;
    if (next.firstIndex() == expected) {
      return;
    }
    String problem =
        next.firstIndex() > expected
            ? "entries " + expected + " to " + (next.firstIndex() - 1) + " are missing"
            : "entries " + next.firstIndex() + " to " + previous.lastIndex() + " appear twice";
    throw new StorageException(
        "the log in "
            + dir
            + " is inconsistent: "
            + previous.file().getFileName()
            + " ends at index "
            + previous.lastIndex()
            + " but "
            + next.path().getFileName()
            + " starts at "
            + next.firstIndex()
            + ", so "
            + problem
            + ". A segment file was deleted, added or damaged outside Spindle. Restore this node's"
            + " data directory from a backup, or remove the node from the cluster and add it back"
            + " with an empty one.");
  }

  /**
   * A reset or a compaction to the last index stores the new compaction point before deleting the
   * segments; a crash in between leaves a last segment with nothing above the point.
   */
  private void dropLastSegmentIfCompacted() {
    if (segments.isEmpty()) {
      return;
    }
    Segment last = segments.get(segments.size() - 1);
    if (last.lastIndex() > compactionPoint.index()) {
      return;
    }
    LOG.info(() -> "Deleting log segment " + last.file() + ": compacted by " + compactionPoint);
    segments.remove(segments.size() - 1);
    last.delete();
  }

  private void checkLogStartsAfterCompactionPoint() {
    if (segments.isEmpty() || segments.get(0).firstIndex() <= compactionPoint.index() + 1) {
      return;
    }
    Segment first = segments.get(0);
    throw new StorageException(
        "the log in "
            + dir
            + " is inconsistent: its compaction point is index "
            + compactionPoint.index()
            + " but the first segment, "
            + first.file().getFileName()
            + ", starts at "
            + first.firstIndex()
            + ", so entries "
            + (compactionPoint.index() + 1)
            + " to "
            + (first.firstIndex() - 1)
            + " are missing. A segment file was deleted outside Spindle. Restore this node's data"
            + " directory from a backup, or remove the node from the cluster and add it back with"
            + " an empty one.");
  }

  private StorageException corruptMiddle(SegmentScanner.Scan scan, String whyNotACrash) {
    SegmentScanner.Damage damage = scan.damage();
    return new StorageException(
        "log segment "
            + scan.file()
            + " is corrupt at offset "
            + damage.offset()
            + " (the record for index "
            + (scan.firstIndex() + scan.count())
            + "): "
            + damage.reason()
            + "; "
            + whyNotACrash
            + ". Refusing to open the log rather than silently drop entries this node may have"
            + " acknowledged. Check the disk, then restore this node's data directory from a"
            + " backup, or remove the node from the cluster and add it back with an empty one.");
  }

  private void closeSegments() {
    for (Segment segment : segments) {
      try {
        segment.close();
      } catch (IOException e) {
        LOG.log(Level.WARNING, "Cannot close " + segment.file() + " after a failed recovery", e);
      }
    }
  }
}
