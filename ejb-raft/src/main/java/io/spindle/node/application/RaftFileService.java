package io.spindle.node.application;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.UnsafeByteOperations;
import io.spindle.node.domain.FileInfo;
import io.spindle.node.domain.FileLayout;
import io.spindle.node.domain.FileName;
import io.spindle.node.domain.Sha256;
import io.spindle.protocol.node.CommandResult;
import io.spindle.protocol.node.CommitFile;
import io.spindle.protocol.node.DeleteFile;
import io.spindle.protocol.node.NodeCommand;
import io.spindle.protocol.node.PutChunk;
import io.spindle.protocol.node.StoreFile;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * {@link FileService} over the replicated {@link CommandLog}, whose state machine is the file
 * store, and this node's {@link LocalFiles}. A put reads the stream in chunks, proposes them as
 * {@code PutChunk} entries with at most {@link Settings#chunksInFlight()} uncommitted at a time
 * (pipelined through the log), then proposes {@code CommitFile}, which makes them visible
 * atomically. If the stream ends early or fails, nothing more is proposed: the staged chunks are
 * never committed and the state machine's GC drops them. Reads are served from this node's
 * database, after a ReadIndex barrier unless {@code stale}.
 */
public final class RaftFileService implements FileService {
  /**
   * @param chunkSize bytes per chunk (1 MiB by default)
   * @param chunksInFlight chunk proposals outstanding at once during a put
   * @param timeout how long one proposal or read barrier may take before {@link
   *     ClusterUnavailableException}
   */
  public record Settings(int chunkSize, int chunksInFlight, Duration timeout) {
    public Settings {
      if (chunkSize < 1 || chunksInFlight < 1 || timeout.isNegative() || timeout.isZero()) {
        throw new IllegalArgumentException(
            "chunk size, chunks in flight and timeout must be positive");
      }
    }

    public static Settings defaults() {
      return new Settings(1 << 20, 8, Duration.ofSeconds(30));
    }
  }

  private final CommandLog log;
  private final LocalFiles files;
  private final Settings settings;
  private final Clock clock;

  public RaftFileService(CommandLog log, LocalFiles files, Settings settings, Clock clock) {
    this.log = Objects.requireNonNull(log, "log");
    this.files = Objects.requireNonNull(files, "files");
    this.settings = Objects.requireNonNull(settings, "settings");
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  public RaftFileService(CommandLog log, LocalFiles files) {
    this(log, files, Settings.defaults(), Clock.systemUTC());
  }

  // ---------------------------------------------------------------- writes

  @Override
  public FileInfo put(FileName name, InputStream content, long expectedSize, String requestId)
      throws IOException {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(content, "content");
    requireLeader();
    String request = requestId(requestId);
    String uploadId = UUID.randomUUID().toString();
    MessageDigest fileDigest = Sha256.newDigest();
    ArrayDeque<CompletableFuture<byte[]>> inFlight = new ArrayDeque<>();
    ChunkReader reader = chunkReader(content, expectedSize);
    long total = 0;
    int chunks = 0;
    CommandResult result;
    try {
      while (true) {
        VerifiedChunks.Chunk next = reader.next();
        byte[] chunk = next == null ? new byte[0] : next.data();
        if (chunks == 0 && chunk.length < settings.chunkSize()) {
          // The whole content is shorter than a chunk: one entry, nothing staged.
          return storeSmall(name, chunk, expectedSize, request);
        }
        if (next == null) {
          break;
        }
        total += chunk.length;
        if (expectedSize >= 0 && total > expectedSize) {
          throw new IOException(
              "the content is longer than the announced "
                  + expectedSize
                  + " bytes; nothing stored");
        }
        fileDigest.update(chunk);
        if (inFlight.size() >= settings.chunksInFlight()) {
          expectOk(await(inFlight.removeFirst()), "a chunk");
        }
        inFlight.addLast(
            log.submit(
                NodeCommand.newBuilder()
                    .setPutChunk(
                        PutChunk.newBuilder()
                            .setUploadId(uploadId)
                            .setIndex(chunks)
                            .setSha256(UnsafeByteOperations.unsafeWrap(next.sha256()))
                            .setData(UnsafeByteOperations.unsafeWrap(chunk)))
                    .build()
                    .toByteArray()));
        chunks++;
        if (chunk.length < settings.chunkSize()) {
          break; // readNBytes returns a short chunk only at the end of the stream
        }
      }
      if (expectedSize >= 0 && total != expectedSize) {
        throw new IOException(
            "the content ended after "
                + total
                + " of the announced "
                + expectedSize
                + " bytes; nothing stored");
      }
      // The commit goes into the log right behind the last chunks, without waiting for them to
      // apply: the log applies in order, a commit whose chunks did not all apply is refused, and
      // a commit cannot commit without the (earlier) chunks of its term. One round trip saved.
      CommitFile commit =
          CommitFile.newBuilder()
              .setUploadId(uploadId)
              .setName(ByteString.copyFrom(name.utf8()))
              .setSize(total)
              .setSha256(ByteString.copyFrom(fileDigest.digest()))
              .setChunkCount(chunks)
              .setRequestId(request)
              .setStoredAtMillis(clock.millis())
              .build();
      CompletableFuture<byte[]> committing =
          log.submit(NodeCommand.newBuilder().setCommitFile(commit).build().toByteArray());
      while (!inFlight.isEmpty()) {
        expectOk(await(inFlight.removeFirst()), "a chunk");
      }
      inFlight.add(committing);
      result = await(committing);
      inFlight.clear();
    } catch (IOException | RuntimeException e) {
      inFlight.forEach(f -> f.cancel(false)); // results no longer wanted; GC drops staged chunks
      throw e;
    }
    expectOk(result, "the commit of " + name);
    return FileRecords.toInfo(result.getFile());
  }

  /** Where a put's chunks come from: the next one with its SHA-256, or null at the end. */
  private interface ChunkReader {
    VerifiedChunks.Chunk next() throws IOException;
  }

  /**
   * Chunks of {@code content}: as they come when it is {@link VerifiedChunks} of this service's
   * chunk size (checked on arrival: not hashed again), else read into arrays and hashed here. Each
   * array is the chunk's own, so the proposal wraps it without a copy. With a size announced, an
   * array holds at most the bytes still announced and one more (so that longer content shows), not
   * a whole chunk: a 4 KiB file is read into 4 KiB, not into a chunk's megabyte, zeroed and
   * collected for every small write.
   */
  private ChunkReader chunkReader(InputStream content, long expectedSize) {
    int size = settings.chunkSize();
    if (content instanceof VerifiedChunks verified && verified.chunkSize() == size) {
      return verified::nextChunk;
    }
    long[] read = {0};
    return () -> {
      int want =
          expectedSize < 0 ? size : (int) Math.min(size, Math.max(0, expectedSize - read[0]) + 1);
      byte[] data = new byte[want];
      int n = content.readNBytes(data, 0, want);
      if (n == 0) {
        return null;
      }
      read[0] += n;
      if (n < want) {
        data = Arrays.copyOf(data, n);
      }
      return new VerifiedChunks.Chunk(data, Sha256.of(data));
    };
  }

  private FileInfo storeSmall(FileName name, byte[] content, long expectedSize, String request)
      throws IOException {
    if (expectedSize >= 0 && content.length > expectedSize) {
      throw new IOException(
          "the content is longer than the announced " + expectedSize + " bytes; nothing stored");
    }
    if (expectedSize >= 0 && content.length != expectedSize) {
      throw new IOException(
          "the content has "
              + content.length
              + " bytes, "
              + expectedSize
              + " were announced; nothing stored");
    }
    StoreFile store =
        StoreFile.newBuilder()
            .setName(ByteString.copyFrom(name.utf8()))
            .setSha256(UnsafeByteOperations.unsafeWrap(Sha256.of(content)))
            .setData(UnsafeByteOperations.unsafeWrap(content)) // the reader's own array
            .setRequestId(request)
            .setStoredAtMillis(clock.millis())
            .build();
    CommandResult result =
        await(log.submit(NodeCommand.newBuilder().setStoreFile(store).build().toByteArray()));
    expectOk(result, "the write of " + name);
    return FileRecords.toInfo(result.getFile());
  }

  @Override
  public boolean delete(FileName name, String requestId) {
    Objects.requireNonNull(name, "name");
    requireLeader();
    DeleteFile delete =
        DeleteFile.newBuilder()
            .setName(ByteString.copyFrom(name.utf8()))
            .setRequestId(requestId(requestId))
            .build();
    CommandResult result =
        await(log.submit(NodeCommand.newBuilder().setDeleteFile(delete).build().toByteArray()));
    if (result.getStatus() == CommandResult.Status.CONFLICT) {
      throw new RequestIdConflictException(result.getMessage());
    }
    if (result.getStatus() == CommandResult.Status.NOT_FOUND) {
      return false;
    }
    expectOk(result, "the delete of " + name);
    return true;
  }

  // ---------------------------------------------------------------- reads

  @Override
  public Optional<FileInfo> stat(FileName name, boolean stale) {
    barrier(stale);
    return files.find(name);
  }

  @Override
  public Optional<FileInfo> read(FileName name, boolean stale, OutputStream out)
      throws IOException {
    barrier(stale);
    return files.read(name, out);
  }

  @Override
  public List<FileInfo> list(boolean stale) {
    barrier(stale);
    return files.list();
  }

  @Override
  public Optional<FileLayout> layout(FileName name, boolean stale) {
    barrier(stale);
    return files.layout(name);
  }

  @Override
  public Optional<byte[]> chunk(FileName name, int index, Optional<String> expectedSha256) {
    if (!isDigest(expectedSha256)) {
      return Optional.empty(); // no file has that digest
    }
    return files.chunk(name, index, expectedSha256.map(HexFormat.of()::parseHex).orElse(null));
  }

  @Override
  public Optional<ChunkRun> chunkRun(
      FileName name, int first, int count, Optional<String> expectedSha256) {
    if (!isDigest(expectedSha256)) {
      return Optional.empty(); // no file has that digest
    }
    return files.chunkRun(
        name, first, count, expectedSha256.map(HexFormat.of()::parseHex).orElse(null));
  }

  /** Whether {@code sha256} is absent or hex that {@link HexFormat} parses. */
  private static boolean isDigest(Optional<String> sha256) {
    return sha256.isEmpty()
        || (sha256.get().length() % 2 == 0 && sha256.get().chars().allMatch(HexFormat::isHexDigit));
  }

  @Override
  public void writeChunks(ChunkRun run, OutputStream out) throws IOException {
    files.writeChunks(run, out);
  }

  /** A linearizable read waits until this node has applied the cluster's read index (§6.4). */
  private void barrier(boolean stale) {
    if (!stale) {
      awaitRaw(log.readBarrier());
    }
  }

  // ---------------------------------------------------------------- helpers

  private void requireLeader() {
    if (!log.isLeader()) {
      throw log.notLeader();
    }
  }

  private static String requestId(String requestId) {
    if (requestId == null || requestId.isEmpty()) {
      return UUID.randomUUID().toString();
    }
    if (requestId.length() > 128) {
      throw new IllegalArgumentException("a request id has at most 128 characters");
    }
    return requestId;
  }

  private CommandResult await(CompletableFuture<byte[]> future) {
    byte[] result = awaitRaw(future);
    try {
      return CommandResult.parseFrom(result);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("the state machine returned a malformed result", e);
    }
  }

  private <T> T awaitRaw(CompletableFuture<T> future) {
    try {
      return future.get(settings.timeout().toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ClusterUnavailableException("interrupted while waiting for the cluster", e);
    } catch (TimeoutException e) {
      throw new ClusterUnavailableException(
          "the cluster did not answer within " + settings.timeout().toMillis() + " ms", e);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof NotLeaderException || cause instanceof ClusterUnavailableException) {
        throw (RuntimeException) cause; // the command log's verdict, already in our terms
      }
      throw new ClusterUnavailableException("the request failed: " + cause, cause);
    }
  }

  private static void expectOk(CommandResult result, String what) {
    if (result.getStatus() == CommandResult.Status.CONFLICT) {
      throw new RequestIdConflictException(result.getMessage());
    }
    if (result.getStatus() != CommandResult.Status.OK) {
      throw new IllegalStateException(what + " was rejected: " + result.getMessage());
    }
  }
}
