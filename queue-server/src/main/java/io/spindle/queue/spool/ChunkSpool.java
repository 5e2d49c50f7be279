package io.spindle.queue.spool;

import static io.spindle.queue.spool.SpoolFiles.HEX;
import static io.spindle.queue.spool.SpoolFiles.chunkFileName;
import static io.spindle.queue.spool.SpoolFiles.deleteTree;
import static io.spindle.queue.spool.SpoolFiles.newSha256;
import static io.spindle.queue.spool.SpoolFiles.privateDirectory;
import static io.spindle.queue.spool.SpoolFiles.readFully;
import static io.spindle.queue.spool.SpoolFiles.sha256;
import static io.spindle.queue.spool.SpoolFiles.writeSpec;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.logging.Logger;

/**
 * Where chunked uploads wait on disk until their write job has committed them: a 5 GiB upload needs
 * 5 GiB of disk, not of heap.
 *
 * <p><b>Layout:</b> one directory per upload, {@code <dir>/<uploadId>/}, holding {@code
 * upload.properties} (the {@link UploadSpec}) and one file per received chunk, {@code
 * <index>-<sha256 hex>.chunk}. A chunk is written to a temporary file and renamed, so a chunk file
 * that exists is whole as far as the process is concerned; its hash in the name lets a restart
 * rebuild the state without reading it, and {@link #complete} reads every chunk anyway, checking
 * each against its hash (a chunk damaged by a machine crash is then asked for again).
 *
 * <p><b>Restart:</b> {@link #open} rescans the directory: uploads with their received chunks come
 * back, so a client's retried WriteBegin (same request id) resumes; temporary files and directories
 * without a readable spec are deleted.
 *
 * <p><b>Expiry:</b> {@link #expireIdle} deletes uploads that received nothing for {@link
 * SpoolSettings#idleTimeout} and are not {@link #pin pinned} by a queued or leased job.
 *
 * <p><b>Threading:</b> thread-safe. Methods that read or write chunk files block on disk I/O and
 * belong on an I/O executor ({@link #putChunk}, {@link #complete}, {@link #readChunk}, {@link
 * #delete}); the bookkeeping methods are quick. Each throws {@link IOException} when the disk
 * fails. One lock, this spool's monitor, guards the {@link UploadLedger} and the mutable fields of
 * each {@link SpoolUpload}; chunk files are read and written outside it (the one exception: {@link
 * #putChunk} deletes the chunk it has just stored, under the monitor, when the upload was deleted
 * meanwhile).
 *
 * <p><b>Collaborators</b> (package-private): {@link UploadLedger} (the uploads held and the bytes
 * and uploads each client takes), {@link SpoolRecovery} (the scan on {@link #open}), {@link
 * SpoolFiles} (the layout and its file operations).
 */
public final class ChunkSpool {
  private static final Logger LOG = Logger.getLogger(ChunkSpool.class.getName());
  private static final long DEFAULT_BLOCK_SIZE = 4096;

  /** What became of one chunk handed to {@link #putChunk}. */
  public enum ChunkOutcome {
    STORED,
    /** Already stored: ignored. */
    DUPLICATE,
    /** The data does not hash to the SHA-256 sent with it: dropped, still missing. */
    CORRUPT,
    /** Not the size the chunk at that index must have: dropped, still missing. */
    WRONG_SIZE,
    OUT_OF_RANGE,
    UNKNOWN_UPLOAD
  }

  /** The state of an upload after {@link #begin}. */
  public record Begin(String uploadId, List<Integer> missing, boolean resumed) {}

  /** What {@link #complete} found. */
  public record Completion(Status status, List<Integer> missing, String problem) {
    public enum Status {
      /** Every chunk present and whole, and the content hashes to the announced SHA-256. */
      COMPLETE,
      /** These chunks are missing (or were damaged on disk and are now missing). */
      MISSING,
      /** Every chunk is there but the content is not what was announced: the upload is deleted. */
      CONTENT_MISMATCH
    }
  }

  private final Path dir;
  private final SpoolSettings limits;
  private final InstantSource clock;
  private final long blockSize;
  private final SecureRandom random = new SecureRandom();

  // Guarded by this.
  private final UploadLedger ledger;

  private ChunkSpool(Path dir, SpoolSettings limits, InstantSource clock, long blockSize) {
    this.dir = dir;
    this.limits = limits;
    this.clock = clock;
    this.blockSize = blockSize;
    this.ledger = new UploadLedger(limits);
  }

  /** Opens the spool in {@code dir} (created if missing), taking back the uploads found there. */
  public static ChunkSpool open(Path dir, SpoolSettings limits, InstantSource clock)
      throws IOException {
    Objects.requireNonNull(limits, "limits");
    Objects.requireNonNull(clock, "clock");
    if (!Files.isDirectory(dir)) {
      // The spool holds what clients upload: readable by the server's user only.
      Files.createDirectories(dir, privateDirectory(dir));
    }
    long block;
    try {
      block = Math.max(512, Files.getFileStore(dir).getBlockSize());
    } catch (IOException | UnsupportedOperationException e) {
      block = DEFAULT_BLOCK_SIZE;
    }
    ChunkSpool spool = new ChunkSpool(dir, limits, clock, block);
    SpoolRecovery.recover(dir, clock, spool::diskBytes, spool::adoptRecovered);
    return spool;
  }

  /**
   * Why new writes are refused now (the spool's disk is below its free-space watermark), or null.
   * Asks the file system; the caller asks once per write.
   */
  public String diskProblem() {
    if (limits.minFreeBytes() <= 0) {
      return null;
    }
    long free;
    try {
      free = Files.getFileStore(dir).getUsableSpace();
    } catch (IOException e) {
      return null; // cannot tell: do not refuse on a guess
    }
    if (free >= limits.minFreeBytes()) {
      return null;
    }
    return "the queue server's spool disk has "
        + free
        + " bytes free, under its watermark of "
        + limits.minFreeBytes()
        + " (--min-free-bytes): writes are refused until space is freed; reads go on";
  }

  public Path directory() {
    return dir;
  }

  // ---- uploads ----

  /**
   * Starts an upload, or resumes the one {@code spec.requestId()} already started.
   *
   * @throws ConflictingUploadException the request id already names another write
   * @throws SpoolFullException the spool's byte or upload bound would be exceeded
   */
  public Begin begin(UploadSpec spec)
      throws IOException, SpoolFullException, ConflictingUploadException {
    return begin(spec, "");
  }

  /**
   * Starts an upload for {@code owner} (the client, whose uploads together stay within the
   * per-client bounds), or resumes the one {@code spec.requestId()} already started. A resumed
   * upload is not refreshed: only a stored chunk keeps an upload from expiring.
   *
   * @throws ConflictingUploadException the request id already names another write
   * @throws SpoolFullException the spool's or the client's byte or upload bound would be exceeded
   */
  public Begin begin(UploadSpec spec, String owner)
      throws IOException, SpoolFullException, ConflictingUploadException {
    String id;
    Path uploadDir;
    synchronized (this) {
      SpoolUpload existing = ledger.forRequest(spec.requestId());
      if (existing != null) {
        if (!existing.spec.sameWrite(spec)) {
          throw new ConflictingUploadException(
              "request id "
                  + spec.requestId()
                  + " already names the write of "
                  + existing.spec.name()
                  + " ("
                  + existing.spec.size()
                  + " bytes); use a new request id for another write");
        }
        return new Begin(existing.id, existing.missing(), true);
      }
      long reservation = diskBytes(spec);
      ledger.checkRoom(owner, reservation);
      id = newUploadId();
      uploadDir = dir.resolve(id);
      SpoolUpload upload = new SpoolUpload(id, spec, uploadDir, owner, reservation, clock.millis());
      ledger.reserve(upload);
    }
    try {
      Files.createDirectories(uploadDir);
      writeSpec(uploadDir, spec);
    } catch (IOException e) {
      forget(id);
      deleteTree(uploadDir);
      throw e;
    }
    List<Integer> all = new ArrayList<>(spec.chunkCount());
    for (int i = 0; i < spec.chunkCount(); i++) {
      all.add(i);
    }
    return new Begin(id, all, false);
  }

  /** The upload {@code requestId} started, if it is still here. */
  public synchronized Optional<String> uploadFor(String requestId) {
    SpoolUpload u = ledger.forRequest(requestId);
    return u == null ? Optional.empty() : Optional.of(u.id);
  }

  public synchronized Optional<UploadSpec> spec(String uploadId) {
    SpoolUpload u = ledger.get(uploadId);
    return u == null ? Optional.empty() : Optional.of(u.spec);
  }

  /** The indexes not yet received, ascending. */
  public synchronized List<Integer> missing(String uploadId) throws UnknownUploadException {
    return require(uploadId).missing();
  }

  /**
   * Stores one chunk if its size and SHA-256 are right and it is not stored yet. Blocks on disk.
   */
  public ChunkOutcome putChunk(String uploadId, int index, byte[] sha256, ByteBuffer data)
      throws IOException {
    SpoolUpload u;
    synchronized (this) {
      u = ledger.get(uploadId);
      if (u == null) {
        return ChunkOutcome.UNKNOWN_UPLOAD;
      }
      if (index < 0 || index >= u.spec.chunkCount()) {
        return ChunkOutcome.OUT_OF_RANGE;
      }
      if (u.present.get(index)) {
        return ChunkOutcome.DUPLICATE;
      }
    }
    if (data.remaining() != u.spec.chunkLength(index)) {
      return ChunkOutcome.WRONG_SIZE;
    }
    if (sha256.length != 32 || !Arrays.equals(sha256(data.duplicate()), sha256)) {
      return ChunkOutcome.CORRUPT;
    }
    Path target = u.dir.resolve(chunkFileName(index, sha256));
    Path temp = u.dir.resolve(index + "." + HEX.formatHex(randomBytes(8)) + ".tmp");
    try {
      try (FileChannel ch =
          FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
        ByteBuffer b = data.duplicate();
        while (b.hasRemaining()) {
          ch.write(b);
        }
      }
      Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (NoSuchFileException e) {
      Files.deleteIfExists(temp);
      return ChunkOutcome.UNKNOWN_UPLOAD; // deleted meanwhile
    }
    synchronized (this) {
      if (u.deleted) {
        Files.deleteIfExists(target);
        return ChunkOutcome.UNKNOWN_UPLOAD;
      }
      boolean had = u.present.get(index);
      u.present.set(index);
      u.hashes[index] = sha256.clone();
      if (had) {
        return ChunkOutcome.DUPLICATE;
      }
      u.lastActivityMillis = clock.millis(); // only a stored chunk keeps an upload alive
      return ChunkOutcome.STORED;
    }
  }

  /**
   * Checks the upload is complete and whole: reads every chunk, checking each against its hash (a
   * damaged one is deleted and reported missing) and the whole against the announced SHA-256 (a
   * mismatch deletes the upload). Blocks on disk: a 5 GiB upload is read once.
   */
  public Completion complete(String uploadId) throws IOException, UnknownUploadException {
    SpoolUpload u;
    synchronized (this) {
      u = require(uploadId);
      List<Integer> missing = u.missing();
      if (!missing.isEmpty()) {
        return new Completion(Completion.Status.MISSING, missing, null);
      }
    }
    MessageDigest whole = newSha256();
    List<Integer> damaged = new ArrayList<>();
    ByteBuffer buffer = ByteBuffer.allocate(u.spec.chunkSize());
    for (int i = 0; i < u.spec.chunkCount(); i++) {
      byte[] expected;
      synchronized (this) {
        expected = u.hashes[i];
      }
      Path file = u.dir.resolve(chunkFileName(i, expected));
      buffer.clear();
      boolean whole0 = readFully(file, buffer, u.spec.chunkLength(i));
      buffer.flip();
      if (!whole0 || !Arrays.equals(sha256(buffer.duplicate()), expected)) {
        Files.deleteIfExists(file);
        damaged.add(i);
        continue;
      }
      whole.update(buffer);
    }
    if (!damaged.isEmpty()) {
      LOG.warning(
          () ->
              "upload "
                  + uploadId
                  + ": chunks "
                  + damaged
                  + " were damaged in the spool; asking the client for them again");
      synchronized (this) {
        for (int i : damaged) {
          u.present.clear(i);
          u.hashes[i] = null;
        }
        return new Completion(Completion.Status.MISSING, u.missing(), null);
      }
    }
    byte[] actual = whole.digest();
    if (!Arrays.equals(actual, u.spec.sha256())) {
      delete(uploadId);
      return new Completion(
          Completion.Status.CONTENT_MISMATCH,
          List.of(),
          "the "
              + u.spec.size()
              + " bytes received hash to "
              + HEX.formatHex(actual)
              + ", not to the SHA-256 announced, "
              + HEX.formatHex(u.spec.sha256())
              + "; the upload was discarded");
    }
    return new Completion(Completion.Status.COMPLETE, List.of(), null);
  }

  /** The content of a received chunk. Blocks on disk. */
  public byte[] readChunk(String uploadId, int index) throws IOException, UnknownUploadException {
    SpoolUpload u;
    byte[] hash;
    synchronized (this) {
      u = require(uploadId);
      if (index < 0 || index >= u.spec.chunkCount() || !u.present.get(index)) {
        throw new NoSuchFileException("upload " + uploadId + " has no chunk " + index);
      }
      hash = u.hashes[index];
      u.lastActivityMillis = clock.millis();
    }
    try {
      return Files.readAllBytes(u.dir.resolve(chunkFileName(index, hash)));
    } catch (NoSuchFileException e) {
      throw new UnknownUploadException(uploadId);
    }
  }

  /** The SHA-256 of every chunk, by index; null for a chunk not received. */
  public synchronized List<byte[]> chunkHashes(String uploadId) throws UnknownUploadException {
    SpoolUpload u = require(uploadId);
    List<byte[]> out = new ArrayList<>(u.hashes.length);
    for (byte[] h : u.hashes) {
      out.add(h == null ? null : h.clone());
    }
    return out;
  }

  /** A job needs the upload: it does not expire until as many {@link #unpin}s. */
  public synchronized void pin(String uploadId) {
    SpoolUpload u = ledger.get(uploadId);
    if (u != null) {
      u.pins++;
    }
  }

  public synchronized void unpin(String uploadId) {
    SpoolUpload u = ledger.get(uploadId);
    if (u != null && u.pins > 0) {
      u.pins--;
      u.lastActivityMillis = clock.millis();
    }
  }

  /** Forgets the upload and deletes its files. Blocks on disk. */
  public void delete(String uploadId) throws IOException {
    SpoolUpload u = forget(uploadId);
    if (u != null) {
      deleteTree(u.dir);
    }
  }

  /**
   * Deletes the uploads that received nothing for the idle timeout and no job pins; returns them.
   * Blocks on disk.
   */
  public List<String> expireIdle() throws IOException {
    long cutoff = clock.millis() - limits.idleTimeout().toMillis();
    List<String> expired = new ArrayList<>();
    synchronized (this) {
      for (SpoolUpload u : ledger.all()) {
        if (u.pins == 0 && u.lastActivityMillis <= cutoff) {
          expired.add(u.id);
        }
      }
    }
    for (String id : expired) {
      LOG.info(
          () ->
              "upload "
                  + id
                  + " abandoned: nothing received for "
                  + limits.idleTimeout().toSeconds()
                  + " s; deleting its chunks");
      delete(id);
    }
    return expired;
  }

  public synchronized int uploads() {
    return ledger.size();
  }

  /** What the uploads held take on disk, in whole blocks (reserved when each began). */
  public synchronized long reservedBytes() {
    return ledger.reservedBytes();
  }

  // ---- internals ----

  private SpoolUpload require(String uploadId) throws UnknownUploadException {
    SpoolUpload u = ledger.get(uploadId);
    if (u == null) {
      throw new UnknownUploadException(uploadId);
    }
    return u;
  }

  private synchronized SpoolUpload forget(String uploadId) {
    return ledger.forget(uploadId);
  }

  /**
   * What an upload takes on disk: every chunk file rounded up to whole blocks, plus a block each
   * for its spec file and its directory.
   */
  long diskBytes(UploadSpec spec) {
    long full = roundUp(spec.chunkSize());
    long last = roundUp(spec.chunkLength(spec.chunkCount() - 1));
    return (spec.chunkCount() - 1L) * full + last + 2 * blockSize;
  }

  private long roundUp(long bytes) {
    return (bytes + blockSize - 1) / blockSize * blockSize;
  }

  /**
   * Takes an upload {@link SpoolRecovery} found on open, unless its request already has one
   * (another directory found earlier in the scan).
   */
  private synchronized boolean adoptRecovered(SpoolUpload u) {
    if (ledger.forRequest(u.spec.requestId()) != null) {
      return false;
    }
    ledger.reserve(u);
    return true;
  }

  private String newUploadId() {
    return "u" + HEX.formatHex(randomBytes(16));
  }

  private byte[] randomBytes(int n) {
    byte[] b = new byte[n];
    random.nextBytes(b);
    return b;
  }
}
