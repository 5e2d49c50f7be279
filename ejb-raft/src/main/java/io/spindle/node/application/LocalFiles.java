package io.spindle.node.application;

import io.spindle.node.domain.FileInfo;
import io.spindle.node.domain.FileLayout;
import io.spindle.node.domain.FileName;
import java.io.IOException;
import java.io.OutputStream;
import java.util.List;
import java.util.Optional;

/**
 * The port to this node's own copy of the files, as far as it has applied the log; the
 * infrastructure implements it over the node's database. Reads only: every change goes through the
 * {@link CommandLog}.
 *
 * <p><b>Threading:</b> thread-safe; each call blocks on the database.
 */
public interface LocalFiles {

  Optional<FileInfo> find(FileName name);

  List<FileInfo> list();

  /** Streams the file's content into {@code out}; empty when there is no such file. */
  Optional<FileInfo> read(FileName name, OutputStream out) throws IOException;

  Optional<FileLayout> layout(FileName name);

  /**
   * Chunk {@code index} of the file, if the file is there and, when {@code fileSha256} is not null,
   * still has that digest.
   */
  Optional<byte[]> chunk(FileName name, int index, byte[] fileSha256);

  /**
   * Chunks {@code first} to {@code first + count - 1} of the file, if the file is there, has them
   * all and, when {@code fileSha256} is not null, still has that digest.
   */
  Optional<ChunkRun> chunkRun(FileName name, int first, int count, byte[] fileSha256);

  /** Streams the run's chunks into {@code out}; an {@link IOException} if one is gone. */
  void writeChunks(ChunkRun run, OutputStream out) throws IOException;
}
