package io.spindle.node.infrastructure.queue;

import io.spindle.node.application.VerifiedChunks;
import io.spindle.protocol.queue.ChunkData;
import io.spindle.protocol.queue.ErrorCode;
import io.spindle.protocol.queue.WriteJob;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * A write job's content, chunk after chunk from the queue server, {@value #FETCH_AHEAD} chunks
 * fetched ahead; each chunk is checked against the SHA-256 the job lists for it and the length the
 * job's size gives it. Read as a stream, or chunk by chunk ({@link VerifiedChunks}) so that the put
 * neither copies nor hashes the chunks again. Was {@link LocalJobRunner}'s inner class.
 *
 * <p><b>Threading:</b> read by the one job thread that runs the write; the fetches complete on the
 * queue worker's event loop (or fail when they time out).
 */
final class FetchedUploadStream extends InputStream implements VerifiedChunks {
  private static final int FETCH_AHEAD = 4;

  private final WriteJob job;
  private final QueueWorker.ChunkFetcher fetcher;
  private final ArrayDeque<CompletableFuture<ChunkData>> ahead = new ArrayDeque<>();
  private int nextToFetch;
  private int nextToRead;
  private byte[] current = new byte[0];
  private int position;

  FetchedUploadStream(WriteJob job, QueueWorker.ChunkFetcher fetcher) {
    this.job = job;
    this.fetcher = fetcher;
  }

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    int n = read(one, 0, 1);
    return n < 0 ? -1 : one[0] & 0xff;
  }

  @Override
  public int read(byte[] into, int offset, int length) throws IOException {
    if (length == 0) {
      return 0;
    }
    while (position == current.length) {
      if (nextToRead == job.getChunkCount()) {
        return -1;
      }
      current = next().data();
      position = 0;
    }
    int n = Math.min(length, current.length - position);
    System.arraycopy(current, position, into, offset, n);
    position += n;
    return n;
  }

  @Override
  public int chunkSize() {
    return job.getChunkSize();
  }

  @Override
  public Chunk nextChunk() throws IOException {
    return nextToRead == job.getChunkCount() ? null : next();
  }

  private Chunk next() throws IOException {
    while (nextToFetch < job.getChunkCount() && ahead.size() < FETCH_AHEAD) {
      ahead.addLast(fetcher.fetch(job.getUploadId(), nextToFetch++));
    }
    ChunkData chunk;
    try {
      chunk = ahead.removeFirst().get();
    } catch (ExecutionException e) {
      throw new IOException("fetching chunk " + nextToRead + " failed: " + e.getCause(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while fetching chunk " + nextToRead, e);
    }
    if (chunk.hasError()) {
      if (chunk.getError().getCode() == ErrorCode.UPLOAD_EXPIRED) {
        throw new UploadGoneException(chunk.getError().getMessage());
      }
      throw new IOException(
          "the queue server refused chunk " + nextToRead + ": " + chunk.getError().getMessage());
    }
    byte[] data = chunk.getData().toByteArray();
    long length = expectedLength(nextToRead);
    if (data.length != length) {
      throw new IOException(
          "chunk " + nextToRead + " arrived with " + data.length + " bytes, not " + length);
    }
    byte[] expected =
        nextToRead < job.getChunkSha256Count()
            ? job.getChunkSha256(nextToRead).toByteArray()
            : chunk.getSha256().toByteArray();
    if (!MessageDigest.isEqual(expected, sha256(data))) {
      throw new IOException("chunk " + nextToRead + " arrived damaged (SHA-256 mismatch)");
    }
    nextToRead++;
    return new Chunk(data, expected);
  }

  /** Chunk {@code index}'s length: the chunk size, the last chunk whatever the size leaves. */
  private long expectedLength(int index) {
    long chunkSize = job.getChunkSize();
    return index < job.getChunkCount() - 1
        ? chunkSize
        : job.getSize() - chunkSize * (job.getChunkCount() - 1);
  }

  private static byte[] sha256(byte[] data) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(data);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The queue server no longer has the upload: the client must start again. */
  static final class UploadGoneException extends IOException {
    UploadGoneException(String message) {
      super(message);
    }
  }
}
