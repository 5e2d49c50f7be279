package io.spindle.queue.service;

import static io.spindle.queue.service.ReplyFrames.error;
import static io.spindle.queue.service.ReplyFrames.errorReply;
import static io.spindle.queue.service.ReplyFrames.frame;

import com.google.protobuf.ByteString;
import io.spindle.protocol.queue.ErrorCode;
import io.spindle.protocol.queue.MissingChunks;
import io.spindle.protocol.queue.Reply;
import io.spindle.protocol.queue.WriteAccepted;
import io.spindle.protocol.queue.WriteBegin;
import io.spindle.protocol.queue.WriteEnd;
import io.spindle.protocol.queue.WriteJob;
import io.spindle.protocol.queue.WriteQueued;
import io.spindle.queue.spool.ChunkSpool;
import io.spindle.queue.spool.ChunkSpool.Completion;
import io.spindle.queue.spool.ConflictingUploadException;
import io.spindle.queue.spool.SpoolFullException;
import io.spindle.queue.spool.UnknownUploadException;
import io.spindle.queue.spool.UploadSpec;
import java.io.IOException;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Chunked writes, from WriteBegin until their job is queued and done: each request id's upload in
 * the {@link ChunkSpool} goes RECEIVING (chunks arrive; a retried WriteBegin resumes, also after a
 * restart) → VERIFYING (a WriteEnd: every chunk present and whole, the content hashes to the
 * announced SHA-256, on the disk executor) → QUEUED (a write job naming every chunk's SHA-256; the
 * upload is pinned until the job ends), or back to RECEIVING with the chunks still missing.
 *
 * <p>Not thread-safe: the queue service's core thread calls it; disk work runs on the injected
 * executor and comes back through {@code core}.
 */
final class ChunkedWrites {
  private static final Logger LOG = Logger.getLogger(ChunkedWrites.class.getName());
  private static final long SPOOL_BUSY_RETRY_MS = 2_000;
  private static final long UNAVAILABLE_RETRY_MS = 1_000;
  // A chunk's SHA-256 in a WriteJob: 32 bytes, a tag and a length.
  private static final int BYTES_PER_CHUNK_IN_A_JOB = 34;

  /** Where complete uploads become jobs: the leader queue. Core thread. */
  interface JobSink {
    /** Why the leader queue cannot take a job of {@code bytes} now, or null. */
    String fullReason(int bytes);

    /** Queues the write job; false (nothing queued) if the queue is full. */
    boolean enqueue(
        String requestId, WriteJob.Builder write, Duration timeout, ByteString fingerprint);
  }

  private enum WritePhase {
    RECEIVING,
    VERIFYING,
    QUEUED
  }

  /** A chunked write, from WriteBegin until its job finishes. */
  private static final class PendingWrite {
    final String requestId;
    final String uploadId;
    final UploadSpec spec;
    final ByteString fingerprint;
    WritePhase phase = WritePhase.RECEIVING;
    Duration timeout;

    PendingWrite(String requestId, String uploadId, UploadSpec spec, ByteString fingerprint) {
      this.requestId = requestId;
      this.uploadId = uploadId;
      this.spec = spec;
      this.fingerprint = fingerprint;
    }
  }

  private final ServiceSettings config;
  private final ChunkSpool spool;
  private final AnswerRouter answers;
  private final Executor disk;
  private final Executor core;
  private final JobSink sink;
  private final Map<String, PendingWrite> writes = new HashMap<>();

  ChunkedWrites(
      ServiceSettings config,
      ChunkSpool spool,
      AnswerRouter answers,
      Executor disk,
      Executor core,
      JobSink sink) {
    this.config = config;
    this.spool = spool;
    this.answers = answers;
    this.disk = disk;
    this.core = core;
    this.sink = sink;
  }

  /**
   * A chunked WriteBegin: starts the upload, or resumes the one this request id started, and
   * answers WriteAccepted with the chunks still missing (or the cached final answer).
   */
  void begin(Peer client, String rid, WriteBegin begin, ByteString fingerprint, Duration timeout) {
    if (answers.answerFromCache(client, rid, fingerprint)) {
      return;
    }
    UploadSpec spec =
        new UploadSpec(
            rid,
            begin.getName(),
            begin.getSize(),
            begin.getChunkSize(),
            begin.getChunkCount(),
            begin.getSha256().toByteArray());
    String problem = spec.problem(config.maxChunkSize(), config.maxFileSize());
    long maxChunks = config.maxFrameSize() / 2 / BYTES_PER_CHUNK_IN_A_JOB;
    if (problem == null && begin.getChunkCount() > maxChunks) {
      problem =
          begin.getChunkCount()
              + " chunks are too many for one write (at most "
              + maxChunks
              + "): use chunks of at least "
              + ((begin.getSize() + maxChunks - 1) / maxChunks)
              + " bytes";
    }
    if (problem != null) {
      client.send(frame(errorReply(rid, error(ErrorCode.INVALID_ARGUMENT, problem))));
      return;
    }
    PendingWrite w = writes.get(rid);
    if (w == null) {
      Optional<String> resumed = spool.uploadFor(rid);
      if (resumed.isEmpty()) {
        String full = sink.fullReason(0);
        if (full != null) {
          client.send(frame(errorReply(rid, ReplyFrames.busy(full))));
          return;
        }
      }
      ChunkSpool.Begin started;
      try {
        started = spool.begin(spec, client.principal());
      } catch (SpoolFullException e) {
        client.send(
            frame(
                errorReply(
                    rid, error(ErrorCode.BUSY, e.getMessage() + "; retry", SPOOL_BUSY_RETRY_MS))));
        return;
      } catch (ConflictingUploadException e) {
        client.send(frame(errorReply(rid, error(ErrorCode.INVALID_ARGUMENT, e.getMessage()))));
        return;
      } catch (IOException e) {
        LOG.log(Level.WARNING, "cannot start an upload in the spool", e);
        client.send(
            frame(
                errorReply(
                    rid,
                    error(
                        ErrorCode.UNAVAILABLE,
                        "the queue server cannot write to its spool: " + e.getMessage(),
                        UNAVAILABLE_RETRY_MS))));
        return;
      }
      w = new PendingWrite(rid, started.uploadId(), spec, fingerprint);
      writes.put(rid, w);
      if (started.resumed()) {
        String id = started.uploadId();
        LOG.fine(() -> "write " + rid + " resumes upload " + id + " found in the spool");
      }
    } else if (!w.spec.sameWrite(spec)) {
      client.send(frame(errorReply(rid, ReplyFrames.reusedRequestId(rid))));
      return;
    }
    w.timeout = timeout;
    answers.addWaiter(rid, client);
    List<Integer> missing;
    try {
      missing = spool.missing(w.uploadId);
    } catch (UnknownUploadException e) {
      missing = List.of();
    }
    client.send(
        frame(
            Reply.newBuilder()
                .setRequestId(rid)
                .setWriteAccepted(
                    WriteAccepted.newBuilder()
                        .setUploadId(w.uploadId)
                        .addAllMissing(missing)
                        .setQueued(w.phase == WritePhase.QUEUED))
                .build()));
  }

  /** A WriteEnd: checks the upload is complete and whole, then queues its write job. */
  void end(Peer client, String rid, WriteEnd end, Duration timeout) {
    Optional<Reply> cached = answers.cached(rid);
    if (cached.isPresent()) {
      client.send(frame(cached.get()));
      return;
    }
    PendingWrite w = writes.get(rid);
    if (w == null) {
      // After a restart: the upload is in the spool but no WriteBegin came since.
      Optional<UploadSpec> spec = spool.spec(end.getUploadId());
      if (spec.isPresent() && spec.get().requestId().equals(rid)) {
        w = new PendingWrite(rid, end.getUploadId(), spec.get(), ByteString.EMPTY);
        writes.put(rid, w);
      }
    }
    if (w == null || !w.uploadId.equals(end.getUploadId())) {
      client.send(
          frame(
              errorReply(
                  rid,
                  error(
                      ErrorCode.UPLOAD_EXPIRED,
                      "no upload "
                          + end.getUploadId()
                          + " for request "
                          + rid
                          + " (it expired or never began): start again with WriteBegin"))));
      return;
    }
    if (w.timeout == null) {
      w.timeout = timeout;
    }
    answers.addWaiter(rid, client);
    switch (w.phase) {
      case QUEUED ->
          client.send(
              frame(
                  Reply.newBuilder()
                      .setRequestId(rid)
                      .setWriteQueued(WriteQueued.newBuilder().setUploadId(w.uploadId))
                      .build()));
      case VERIFYING -> {
        // The verification under way answers every waiter.
      }
      case RECEIVING -> verify(w);
    }
  }

  private void verify(PendingWrite w) {
    w.phase = WritePhase.VERIFYING;
    disk.execute(
        () -> {
          Completion c;
          try {
            c = spool.complete(w.uploadId);
          } catch (UnknownUploadException e) {
            c = null;
          } catch (IOException | RuntimeException e) {
            LOG.log(Level.WARNING, "cannot verify upload " + w.uploadId, e);
            String problem = String.valueOf(e.getMessage());
            core.execute(() -> onVerifyFailed(w, problem));
            return;
          }
          Completion result = c;
          core.execute(() -> onVerified(w, result));
        });
  }

  private void onVerifyFailed(PendingWrite w, String problem) {
    w.phase = WritePhase.RECEIVING;
    answers.interim(
        w.requestId,
        errorReply(
            w.requestId,
            error(
                ErrorCode.UNAVAILABLE,
                "the queue server cannot read its spool: " + problem,
                UNAVAILABLE_RETRY_MS)));
  }

  private void onVerified(PendingWrite w, Completion c) {
    if (writes.get(w.requestId) != w) {
      return; // finished or forgotten meanwhile
    }
    if (c == null) {
      writes.remove(w.requestId);
      answers.answer(
          w.requestId,
          errorReply(
              w.requestId,
              error(
                  ErrorCode.UPLOAD_EXPIRED,
                  "upload " + w.uploadId + " expired: start again with WriteBegin")),
          null);
      return;
    }
    switch (c.status()) {
      case MISSING -> {
        w.phase = WritePhase.RECEIVING;
        answers.interim(
            w.requestId,
            Reply.newBuilder()
                .setRequestId(w.requestId)
                .setMissingChunks(
                    MissingChunks.newBuilder().setUploadId(w.uploadId).addAllMissing(c.missing()))
                .build());
      }
      case CONTENT_MISMATCH -> {
        writes.remove(w.requestId);
        answers.answer(
            w.requestId,
            errorReply(w.requestId, error(ErrorCode.INVALID_ARGUMENT, c.problem())),
            w.fingerprint);
      }
      case COMPLETE -> enqueueWrite(w);
    }
  }

  private void enqueueWrite(PendingWrite w) {
    String full = sink.fullReason(0);
    if (full != null) {
      w.phase = WritePhase.RECEIVING; // complete; a retried WriteEnd queues it
      answers.interim(w.requestId, errorReply(w.requestId, ReplyFrames.busy(full)));
      return;
    }
    List<byte[]> hashes;
    try {
      hashes = spool.chunkHashes(w.uploadId);
    } catch (UnknownUploadException e) {
      writes.remove(w.requestId);
      answers.answer(
          w.requestId,
          errorReply(w.requestId, error(ErrorCode.UPLOAD_EXPIRED, e.getMessage())),
          null);
      return;
    }
    WriteJob.Builder write =
        WriteJob.newBuilder()
            .setUploadId(w.uploadId)
            .setName(w.spec.name())
            .setSize(w.spec.size())
            .setSha256(ByteString.copyFrom(w.spec.sha256()))
            .setChunkSize(w.spec.chunkSize())
            .setChunkCount(w.spec.chunkCount());
    for (byte[] h : hashes) {
      write.addChunkSha256(ByteString.copyFrom(h));
    }
    if (!sink.enqueue(
        w.requestId, write, w.timeout == null ? config.queueTimeout() : w.timeout, w.fingerprint)) {
      w.phase = WritePhase.RECEIVING; // complete; a retried WriteEnd queues it
      answers.interim(
          w.requestId,
          errorReply(
              w.requestId, ReplyFrames.busy(sink.fullReason(write.build().getSerializedSize()))));
      return;
    }
    spool.pin(w.uploadId);
    w.phase = WritePhase.QUEUED;
    answers.interim(
        w.requestId,
        Reply.newBuilder()
            .setRequestId(w.requestId)
            .setWriteQueued(WriteQueued.newBuilder().setUploadId(w.uploadId))
            .build());
  }

  /**
   * The write job of {@code rid} ended: forgets the upload and deletes its chunks; returns the
   * request's fingerprint, or null if {@code uploadId} is not this request's upload.
   */
  ByteString finished(String rid, String uploadId) {
    PendingWrite w = writes.get(rid);
    if (w == null || !w.uploadId.equals(uploadId)) {
      return null;
    }
    writes.remove(rid);
    spool.unpin(uploadId);
    disk.execute(() -> deleteUpload(uploadId));
    return w.fingerprint;
  }

  /** The write job of {@code rid} was dropped before a node took it: the upload waits again. */
  void unqueued(String rid) {
    PendingWrite w = writes.get(rid);
    if (w != null && w.phase == WritePhase.QUEUED) {
      w.phase = WritePhase.RECEIVING;
      spool.unpin(w.uploadId);
    }
  }

  /** Deletes abandoned uploads (on the disk executor) and forgets them. */
  void expireIdle() {
    disk.execute(
        () -> {
          try {
            List<String> gone = spool.expireIdle();
            if (!gone.isEmpty()) {
              Set<String> ids = new LinkedHashSet<>(gone);
              core.execute(() -> writes.values().removeIf(w -> ids.contains(w.uploadId)));
            }
          } catch (IOException | RuntimeException e) {
            LOG.log(Level.WARNING, "cannot expire abandoned uploads in the spool", e);
          }
        });
  }

  private void deleteUpload(String uploadId) {
    try {
      spool.delete(uploadId);
    } catch (IOException | RuntimeException e) {
      LOG.log(Level.WARNING, "cannot delete upload " + uploadId + " from the spool", e);
    }
  }
}
