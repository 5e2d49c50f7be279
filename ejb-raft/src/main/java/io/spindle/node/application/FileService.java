package io.spindle.node.application;

import io.spindle.node.domain.FileInfo;
import io.spindle.node.domain.FileLayout;
import io.spindle.node.domain.FileName;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;
import java.util.Optional;

/**
 * The replicated file store as the node's interfaces (REST, page, queue work) use it. Writes are
 * proposed through Raft and return once committed and applied here; reads are linearizable
 * (ReadIndex) unless {@code stale} asks for this replica's state as it is.
 *
 * <p><b>Threading:</b> thread-safe; every method may block the caller (never the Raft driver).
 * <b>Errors:</b> {@link NotLeaderException} (writes go to the leader: the exception names it),
 * {@link ClusterUnavailableException} (no leader, or no answer in time), {@link
 * io.spindle.node.domain.InvalidFileNameException}, {@link IOException} from the caller's streams.
 */
public interface FileService {
  /**
   * Stores {@code content} under {@code name}, replacing any file of that name, streamed in chunks
   * (never buffered whole). Returns once the commit is applied on this node. A retry with the same
   * {@code requestId} has one effect. If the stream ends early or fails, nothing is stored.
   *
   * @param expectedSize the size the caller announced (Content-Length), or -1 if unknown; a stream
   *     that ends before it stores nothing
   */
  FileInfo put(FileName name, InputStream content, long expectedSize, String requestId)
      throws IOException;

  /** Deletes the file; returns false if there was none. A retried request id has one effect. */
  boolean delete(FileName name, String requestId);

  Optional<FileInfo> stat(FileName name, boolean stale);

  /** Writes the file's bytes to {@code out}; empty when there is no such file. */
  Optional<FileInfo> read(FileName name, boolean stale, OutputStream out) throws IOException;

  List<FileInfo> list(boolean stale);

  /** The file and its chunks, for a client that fetches the chunks from several nodes. */
  Optional<FileLayout> layout(FileName name, boolean stale);

  /**
   * One chunk's bytes from this node's copy (no read barrier: the caller got the layout from a
   * linearizable read, and a replica either has that content or says it does not); empty if there
   * is no such file or chunk, or the file's SHA-256 is no longer {@code expectedSha256} (lower-case
   * hex, when given).
   */
  Optional<byte[]> chunk(FileName name, int index, Optional<String> expectedSha256);

  /**
   * Chunks {@code first} to {@code first + count - 1} of this node's copy, to be streamed with
   * {@link #writeChunks} (no read barrier, as {@link #chunk}); empty if there is no such file, it
   * has fewer chunks, or its SHA-256 is no longer {@code expectedSha256}.
   */
  Optional<ChunkRun> chunkRun(FileName name, int first, int count, Optional<String> expectedSha256);

  /**
   * Writes the run's chunks to {@code out} in order, one at a time; an {@link IOException} if one
   * is gone (the file was replaced or deleted since {@link #chunkRun}: read its layout again).
   */
  void writeChunks(ChunkRun run, OutputStream out) throws IOException;
}
