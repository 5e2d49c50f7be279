package io.spindle.node.infrastructure.store;

import io.spindle.node.application.ChunkRun;
import io.spindle.node.application.FileRecords;
import io.spindle.node.application.LocalFiles;
import io.spindle.node.domain.ChunkInfo;
import io.spindle.node.domain.FileInfo;
import io.spindle.node.domain.FileLayout;
import io.spindle.node.domain.FileName;
import java.io.IOException;
import java.io.OutputStream;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * {@link LocalFiles} over this node's {@link FileStoreStateMachine}: what its database holds, as
 * far as the log has been applied. Thread-safe, as the state machine's reads are.
 */
public final class StoredFiles implements LocalFiles {
  private final FileStoreStateMachine store;

  public StoredFiles(FileStoreStateMachine store) {
    this.store = Objects.requireNonNull(store, "store");
  }

  @Override
  public Optional<FileInfo> find(FileName name) {
    return store.findFile(name.utf8()).map(FileRecords::toInfo);
  }

  @Override
  public List<FileInfo> list() {
    return store.listFiles().stream().map(FileRecords::toInfo).toList();
  }

  @Override
  public Optional<FileInfo> read(FileName name, OutputStream out) throws IOException {
    return store.readFile(name.utf8(), out).map(FileRecords::toInfo);
  }

  @Override
  public Optional<FileLayout> layout(FileName name) {
    return store
        .findChunks(name.utf8())
        .map(
            found ->
                new FileLayout(
                    FileRecords.toInfo(found.getKey()),
                    found.getValue().stream()
                        .map(c -> new ChunkInfo(c.index(), c.size(), c.sha256()))
                        .toList()));
  }

  @Override
  public Optional<byte[]> chunk(FileName name, int index, byte[] fileSha256) {
    return store.readChunk(name.utf8(), index, fileSha256);
  }

  @Override
  public Optional<ChunkRun> chunkRun(FileName name, int first, int count, byte[] fileSha256) {
    return store.findChunkRun(name.utf8(), first, count, fileSha256);
  }

  @Override
  public void writeChunks(ChunkRun run, OutputStream out) throws IOException {
    store.writeChunks(run, out);
  }
}
