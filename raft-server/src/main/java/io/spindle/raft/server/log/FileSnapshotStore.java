package io.spindle.raft.server.log;

import static java.nio.file.StandardOpenOption.READ;

import io.spindle.raft.Configuration;
import io.spindle.raft.SnapshotMeta;
import io.spindle.raft.SnapshotStore;
import io.spindle.raft.StorageException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Logger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.CRC32C;

/**
 * Snapshots as files in a directory: {@code snapshot-<index>-<term>.snap}, each a {@link
 * SnapshotHeader} (index, term, configuration, data size and CRC) followed by the data.
 *
 * <p>A snapshot is written under a temporary name (the state machine's through {@link #beginSave},
 * a leader's through {@link #beginReceive}/{@link #writeChunk}), then fsync'd and renamed into
 * place, after which the older snapshots are deleted: only the newest complete one is kept. On
 * open, temporary files, which only an interrupted save or transfer leaves, are deleted, and if a
 * crash left more than one complete snapshot the one with the highest index wins.
 *
 * <p><b>Threading:</b> not thread-safe; only the Raft driver's thread calls it (a {@link
 * SnapshotWriter}'s data may be written elsewhere). <b>Blocking:</b> local file I/O. <b>Errors:</b>
 * {@link StorageException}; a snapshot that fails its checksum when read is one.
 */
public final class FileSnapshotStore implements SnapshotStore, AutoCloseable {
  private static final Logger LOG = Logger.getLogger(FileSnapshotStore.class.getName());
  private static final Pattern NAME = Pattern.compile("snapshot-(\\d{20})-(\\d{20})\\.snap");
  private static final String SAVING_SUFFIX = ".saving";
  private static final String RECEIVING_SUFFIX = ".receiving";

  private final Path dir;
  private SnapshotHeader latest;
  private Path latestFile;
  private FileChannel latestChannel;

  /** The data of the latest snapshot matched its checksum when last read in full. */
  private boolean latestVerified;

  private PendingSnapshot receiving;
  private final AtomicLong savesStarted = new AtomicLong();

  /**
   * Opens the snapshots in {@code dir}, creating it if needed, and discards partial ones.
   *
   * @throws StorageException if the newest complete snapshot is damaged
   */
  public FileSnapshotStore(Path dir) {
    DurableFiles.createDirectories(dir);
    this.dir = dir;
    try {
      discardPartialSnapshots();
      recoverLatest();
    } catch (IOException e) {
      closeLatestChannel();
      throw DurableFiles.failure("cannot open the snapshots in " + dir, e);
    } catch (RuntimeException e) {
      closeLatestChannel();
      throw e;
    }
  }

  @Override
  public Optional<SnapshotMeta> latest() {
    return latest == null ? Optional.empty() : Optional.of(latest.meta());
  }

  /**
   * Starts a snapshot the local state machine writes: its data goes to the returned stream, and
   * {@link SnapshotWriter#commit()} makes it the latest. Unlike the store's other methods, this one
   * may be called from any thread: it only creates a new temporary file.
   */
  public SnapshotWriter beginSave(long index, long term, Configuration configuration) {
    SnapshotMeta meta = new SnapshotMeta(index, term, configuration, 0);
    // Numbered, because a save may start before an earlier one of the same index was committed.
    Path file =
        dir.resolve(baseName(index, term) + "-" + savesStarted.incrementAndGet() + SAVING_SUFFIX);
    try {
      return new SnapshotWriter(this, PendingSnapshot.create(file, meta));
    } catch (IOException e) {
      throw DurableFiles.failure("cannot start snapshot " + index + " in " + dir, e);
    }
  }

  /**
   * Stores the snapshot {@code meta} describes from {@code data}, read to its end, and makes it the
   * latest.
   *
   * @throws IllegalArgumentException if {@code data} does not hold {@code meta.size()} bytes; the
   *     snapshot is then not stored
   */
  public SnapshotMeta save(SnapshotMeta meta, InputStream data) {
    try (SnapshotWriter writer = beginSave(meta.index(), meta.term(), meta.configuration())) {
      long copied = data.transferTo(writer);
      if (copied != meta.size()) {
        throw new IllegalArgumentException(
            "snapshot " + meta.index() + " should hold " + meta.size() + " bytes, got " + copied);
      }
      return writer.commit();
    } catch (IOException e) {
      throw DurableFiles.failure("cannot save snapshot " + meta.index() + " in " + dir, e);
    }
  }

  /**
   * The data of snapshot {@code meta}, to install into the state machine. The stream checks the
   * data against its checksum and throws {@link StorageException} at the end if it does not match.
   * The caller closes it.
   *
   * @throws StorageException if that snapshot is no longer the latest
   */
  public InputStream open(SnapshotMeta meta) {
    checkIsLatest(meta);
    try {
      return new VerifyingInputStream(latestFile, FileChannel.open(latestFile, READ), latest);
    } catch (IOException e) {
      throw DurableFiles.failure("cannot open snapshot " + latestFile, e);
    }
  }

  @Override
  public byte[] read(SnapshotMeta meta, long offset, int maxBytes) {
    checkIsLatest(meta);
    long size = latest.meta().size();
    if (offset < 0 || maxBytes < 0) {
      throw new IllegalArgumentException("bad chunk " + offset + "+" + maxBytes);
    }
    if (offset >= size) {
      return new byte[0];
    }
    try {
      verifyLatestOnce();
      ByteBuffer chunk = ByteBuffer.allocate((int) Math.min(maxBytes, size - offset));
      DurableFiles.readFully(latestChannel(), chunk, latest.length() + offset);
      return chunk.array();
    } catch (IOException e) {
      throw DurableFiles.failure("cannot read snapshot " + latestFile, e);
    }
  }

  @Override
  public void beginReceive(SnapshotMeta meta) {
    discardReceiving();
    Path file = dir.resolve(baseName(meta.index(), meta.term()) + RECEIVING_SUFFIX);
    try {
      Files.deleteIfExists(file);
      receiving = PendingSnapshot.create(file, meta);
    } catch (IOException e) {
      throw DurableFiles.failure("cannot start receiving snapshot " + meta.index(), e);
    }
  }

  @Override
  public void writeChunk(SnapshotMeta meta, long offset, byte[] data) {
    checkIsReceiving(meta);
    if (offset != receiving.size()) {
      throw new StorageException(
          "chunk at "
              + offset
              + " does not continue snapshot "
              + meta.index()
              + ", received "
              + receiving.size()
              + " bytes so far");
    }
    if (offset + data.length > meta.size()) {
      throw new StorageException(
          "chunk at "
              + offset
              + " of "
              + data.length
              + " bytes runs past the end of snapshot "
              + meta.index()
              + ", which holds "
              + meta.size()
              + " bytes");
    }
    try {
      receiving.write(ByteBuffer.wrap(data));
    } catch (IOException e) {
      throw DurableFiles.failure("cannot write to " + receiving.file(), e);
    }
  }

  @Override
  public void completeReceive(SnapshotMeta meta) {
    checkIsReceiving(meta);
    if (receiving.size() != meta.size()) {
      throw new StorageException(
          "snapshot "
              + meta.index()
              + " is incomplete: received "
              + receiving.size()
              + " of "
              + meta.size()
              + " bytes");
    }
    PendingSnapshot complete = receiving;
    receiving = null;
    install(complete);
  }

  /** Closes the files; a snapshot still being received is discarded. */
  @Override
  public void close() {
    discardReceiving();
    closeLatestChannel();
  }

  /** Makes a fully written snapshot durable and the latest, then deletes the others. */
  SnapshotMeta install(PendingSnapshot pending) {
    Path target = dir.resolve(baseName(pending.meta().index(), pending.meta().term()) + ".snap");
    closeLatestChannel();
    try {
      pending.finish(target);
      // Read back rather than trusted: what a follower is sent must be what the disk holds.
      latest = SnapshotHeader.read(target, openLatestChannel(target));
    } catch (IOException e) {
      pending.discard();
      throw DurableFiles.failure("cannot store snapshot " + pending.meta().index(), e);
    }
    latestFile = target;
    latestVerified = true;
    LOG.info(() -> "Snapshot " + latest.meta() + " stored in " + target);
    deleteSnapshotsOtherThan(target);
    return latest.meta();
  }

  private void discardPartialSnapshots() throws IOException {
    for (Path file : list("snapshot-*{" + SAVING_SUFFIX + "," + RECEIVING_SUFFIX + "}")) {
      LOG.info(() -> "Discarding " + file + ": an interrupted save or transfer left it partial");
      Files.delete(file);
    }
  }

  /** Picks the newest complete snapshot, checks its header and deletes the others. */
  private void recoverLatest() throws IOException {
    List<Path> complete = new ArrayList<>();
    for (Path file : list("snapshot-*.snap")) {
      if (NAME.matcher(file.getFileName().toString()).matches()) {
        complete.add(file);
      }
    }
    if (complete.isEmpty()) {
      return;
    }
    // Fixed-width numbers make the names sort by index, then term.
    Path newest = complete.stream().max(Comparator.comparing(Path::toString)).orElseThrow();
    SnapshotHeader header = SnapshotHeader.read(newest, openLatestChannel(newest));
    checkNameMatches(newest, header);
    latest = header;
    latestFile = newest;
    latestVerified = false;
    deleteSnapshotsOtherThan(newest);
  }

  private static void checkNameMatches(Path file, SnapshotHeader header) {
    Matcher name = NAME.matcher(file.getFileName().toString());
    if (!name.matches()
        || Long.parseLong(name.group(1)) != header.meta().index()
        || Long.parseLong(name.group(2)) != header.meta().term()) {
      throw SnapshotHeader.corrupt(
          file,
          "its header describes snapshot "
              + header.meta().index()
              + "@"
              + header.meta().term()
              + ", not the one its name says");
    }
  }

  /**
   * Reads the latest snapshot once in full to check its data before sending any of it: a damaged
   * snapshot must stop this node, not spread to a follower.
   */
  private void verifyLatestOnce() throws IOException {
    if (latestVerified) {
      return;
    }
    try (InputStream in = open(latest.meta())) {
      in.transferTo(OutputStream.nullOutputStream());
    }
    latestVerified = true;
  }

  private void deleteSnapshotsOtherThan(Path keep) {
    try {
      for (Path file : list("snapshot-*.snap")) {
        if (!file.equals(keep)) {
          LOG.info(
              () -> "Deleting " + file + ": snapshot " + latest.meta().index() + " replaces it");
          Files.delete(file);
        }
      }
    } catch (IOException e) {
      throw DurableFiles.failure("cannot delete old snapshots in " + dir, e);
    }
    DurableFiles.forceDirectory(dir);
  }

  private void checkIsLatest(SnapshotMeta meta) {
    if (latest == null
        || latest.meta().index() != meta.index()
        || latest.meta().term() != meta.term()) {
      throw new StorageException(
          "snapshot "
              + meta.index()
              + "@"
              + meta.term()
              + " is no longer available; the latest is "
              + latest().map(m -> m.index() + "@" + m.term()).orElse("none"));
    }
  }

  private void checkIsReceiving(SnapshotMeta meta) {
    if (receiving == null || !receiving.meta().equals(meta)) {
      throw new StorageException(
          "snapshot "
              + meta.index()
              + "@"
              + meta.term()
              + " is not being received; call beginReceive first");
    }
  }

  private void discardReceiving() {
    if (receiving == null) {
      return;
    }
    PendingSnapshot abandoned = receiving;
    receiving = null;
    abandoned.discard();
  }

  private FileChannel latestChannel() throws IOException {
    if (latestChannel == null) {
      latestChannel = FileChannel.open(latestFile, READ);
    }
    return latestChannel;
  }

  private FileChannel openLatestChannel(Path file) throws IOException {
    closeLatestChannel();
    latestChannel = FileChannel.open(file, READ);
    return latestChannel;
  }

  private void closeLatestChannel() {
    if (latestChannel == null) {
      return;
    }
    try {
      latestChannel.close();
    } catch (IOException e) {
      throw DurableFiles.failure("cannot close snapshot " + latestFile, e);
    } finally {
      latestChannel = null;
    }
  }

  private List<Path> list(String glob) throws IOException {
    List<Path> files = new ArrayList<>();
    try (DirectoryStream<Path> listing = Files.newDirectoryStream(dir, glob)) {
      listing.forEach(files::add);
    }
    return files;
  }

  private static String baseName(long index, long term) {
    return String.format("snapshot-%020d-%020d", index, term);
  }

  /** The data of one snapshot file, checked against the header's CRC as it is read. */
  private static final class VerifyingInputStream extends InputStream {
    private final Path file;
    private final FileChannel channel;
    private final long dataStart;
    private final long size;
    private final int expectedCrc;
    private final CRC32C crc = new CRC32C();
    private long read;

    VerifyingInputStream(Path file, FileChannel channel, SnapshotHeader header) {
      this.file = file;
      this.channel = channel;
      this.dataStart = header.length();
      this.size = header.meta().size();
      this.expectedCrc = header.dataCrc();
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
    }

    /**
     * @throws StorageException instead of handing out the last bytes, if the data does not match
     *     its checksum
     */
    @Override
    public int read(byte[] into, int offset, int length) throws IOException {
      if (read == size) {
        return -1;
      }
      int wanted = (int) Math.min(length, size - read);
      int got = channel.read(ByteBuffer.wrap(into, offset, wanted), dataStart + read);
      if (got < 0) {
        throw SnapshotHeader.corrupt(file, "it ends " + (size - read) + " bytes early");
      }
      crc.update(into, offset, got);
      read += got;
      if (read == size && (int) crc.getValue() != expectedCrc) {
        throw SnapshotHeader.corrupt(file, "its data does not match its checksum");
      }
      return got;
    }

    @Override
    public void close() throws IOException {
      channel.close();
    }
  }
}
