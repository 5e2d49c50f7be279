package io.spindle.node.application;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.spindle.node.domain.ChunkInfo;
import io.spindle.node.domain.FileInfo;
import io.spindle.node.domain.FileLayout;
import io.spindle.node.domain.FileName;
import io.spindle.node.domain.MemberAddress;
import io.spindle.node.infrastructure.raft.Applied;
import io.spindle.node.infrastructure.raft.RaftDriver;
import io.spindle.node.infrastructure.raft.RaftException;
import io.spindle.node.infrastructure.raft.RaftStatus;
import io.spindle.node.infrastructure.store.FileStoreStateMachine;
import io.spindle.node.infrastructure.store.Sha256;
import io.spindle.protocol.node.CommandResult;
import io.spindle.protocol.node.CommitFile;
import io.spindle.protocol.node.DeleteFile;
import io.spindle.protocol.node.FileRecord;
import io.spindle.protocol.node.NodeCommand;
import io.spindle.protocol.node.PutChunk;
import io.spindle.protocol.node.StoreFile;
import io.spindle.raft.Member;
import io.spindle.raft.NodeId;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
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
 * {@link FileService} over a {@link RaftDriver} whose state machine is a {@link
 * FileStoreStateMachine}. A put reads the stream in chunks, proposes them as {@code PutChunk}
 * entries with at most {@link Settings#chunksInFlight()} uncommitted at a time (pipelined through
 * the log), then proposes {@code CommitFile}, which makes them visible atomically. If the stream
 * ends early or fails, nothing more is proposed: the staged chunks are never committed and the
 * state machine's GC drops them. Reads are served from this node's database, after a ReadIndex
 * barrier unless {@code stale}.
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

  private final RaftDriver driver;
  private final FileStoreStateMachine store;
  private final Settings settings;
  private final Clock clock;

  public RaftFileService(
      RaftDriver driver, FileStoreStateMachine store, Settings settings, Clock clock) {
    this.driver = Objects.requireNonNull(driver, "driver");
    this.store = Objects.requireNonNull(store, "store");
    this.settings = Objects.requireNonNull(settings, "settings");
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  public RaftFileService(RaftDriver driver, FileStoreStateMachine store) {
    this(driver, store, Settings.defaults(), Clock.systemUTC());
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
    ArrayDeque<CompletableFuture<Applied>> inFlight = new ArrayDeque<>();
    long total = 0;
    int chunks = 0;
    CommandResult result;
    try {
      while (true) {
        byte[] chunk = content.readNBytes(settings.chunkSize());
        if (chunks == 0 && chunk.length < settings.chunkSize()) {
          // The whole content is shorter than a chunk: one entry, nothing staged.
          return storeSmall(name, chunk, expectedSize, request);
        }
        if (chunk.length == 0) {
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
            driver.submit(
                NodeCommand.newBuilder()
                    .setPutChunk(
                        PutChunk.newBuilder()
                            .setUploadId(uploadId)
                            .setIndex(chunks)
                            .setSha256(ByteString.copyFrom(Sha256.of(chunk)))
                            .setData(ByteString.copyFrom(chunk)))
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
      CompletableFuture<Applied> committing =
          driver.submit(NodeCommand.newBuilder().setCommitFile(commit).build().toByteArray());
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
    return info(result.getFile());
  }

  private FileInfo storeSmall(FileName name, byte[] content, long expectedSize, String request)
      throws IOException {
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
            .setSha256(ByteString.copyFrom(Sha256.of(content)))
            .setData(ByteString.copyFrom(content))
            .setRequestId(request)
            .setStoredAtMillis(clock.millis())
            .build();
    CommandResult result =
        await(driver.submit(NodeCommand.newBuilder().setStoreFile(store).build().toByteArray()));
    expectOk(result, "the write of " + name);
    return info(result.getFile());
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
        await(driver.submit(NodeCommand.newBuilder().setDeleteFile(delete).build().toByteArray()));
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
    return store.findFile(name.utf8()).map(RaftFileService::info);
  }

  @Override
  public Optional<FileInfo> read(FileName name, boolean stale, OutputStream out)
      throws IOException {
    barrier(stale);
    return store.readFile(name.utf8(), out).map(RaftFileService::info);
  }

  @Override
  public List<FileInfo> list(boolean stale) {
    barrier(stale);
    return store.listFiles().stream().map(RaftFileService::info).toList();
  }

  @Override
  public Optional<FileLayout> layout(FileName name, boolean stale) {
    barrier(stale);
    return store
        .findChunks(name.utf8())
        .map(
            found ->
                new FileLayout(
                    info(found.getKey()),
                    found.getValue().stream()
                        .map(c -> new ChunkInfo(c.index(), c.size(), c.sha256()))
                        .toList()));
  }

  @Override
  public Optional<byte[]> chunk(FileName name, int index, Optional<String> expectedSha256) {
    byte[] expected = null;
    if (expectedSha256.isPresent()) {
      try {
        expected = HexFormat.of().parseHex(expectedSha256.get());
      } catch (IllegalArgumentException e) {
        return Optional.empty(); // no file has that digest
      }
    }
    return store.readChunk(name.utf8(), index, expected);
  }

  /** A linearizable read waits until this node has applied the cluster's read index (§6.4). */
  private void barrier(boolean stale) {
    if (!stale) {
      awaitRaw(driver.read(new byte[0]));
    }
  }

  // ---------------------------------------------------------------- helpers

  private void requireLeader() {
    RaftStatus status = driver.status();
    if (!status.isLeader()) {
      throw notLeader(status.leader());
    }
  }

  private NotLeaderException notLeader(Optional<NodeId> leader) {
    RaftStatus status = driver.status();
    return new NotLeaderException(leader.flatMap(id -> httpUrl(status, id)));
  }

  private static Optional<URI> httpUrl(RaftStatus status, NodeId id) {
    return status
        .configuration()
        .member(id)
        .map(Member::address)
        .flatMap(
            address -> {
              try {
                return Optional.of(MemberAddress.parse(address).httpUrl());
              } catch (IllegalArgumentException e) {
                return Optional.empty(); // a member without an http URL (e.g. a bare test node)
              }
            });
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

  private CommandResult await(CompletableFuture<Applied> future) {
    byte[] result = awaitRaw(future.thenApply(Applied::result));
    try {
      return CommandResult.parseFrom(result);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("the state machine returned a malformed result", e);
    }
  }

  private byte[] awaitRaw(CompletableFuture<byte[]> future) {
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
      if (cause instanceof io.spindle.node.infrastructure.raft.NotLeaderException notLeader
          && driver.status().running()
          && !driver.status().isLeader()) {
        throw notLeader(notLeader.leaderHint().or(() -> driver.status().leader()));
      }
      if (cause instanceof RaftException raft) {
        throw new ClusterUnavailableException(
            raft.getMessage()
                + (raft.certainlyNotApplied()
                    ? "; nothing was applied, retry"
                    : "; it may have been applied: retry with the same request id"),
            raft);
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

  static FileInfo info(FileRecord file) {
    return new FileInfo(
        new FileName(new String(file.getName().toByteArray(), StandardCharsets.UTF_8)),
        file.getSize(),
        Sha256.hex(file.getSha256().toByteArray()),
        file.getChunkCount(),
        Instant.ofEpochMilli(file.getStoredAtMillis()));
  }
}
