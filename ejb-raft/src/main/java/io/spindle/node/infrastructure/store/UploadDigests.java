package io.spindle.node.infrastructure.store;

import io.spindle.node.domain.Sha256;
import java.security.MessageDigest;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The SHA-256 of each staged upload's content so far, taken as its chunks are applied, so that the
 * commit of a large file checks the file's digest without reading every chunk back from the
 * database (a 1 GiB commit read 1 GiB back on every replica and took longer than a proposal may).
 *
 * <p>A digest is only trusted when it certainly covers what the database holds: chunks 0, 1, 2, …
 * applied in that order, each once, at increasing log indexes, since chunk 0 was put. Any other
 * order (a chunk put again, a gap, an entry applied a second time) forgets the upload, and its
 * commit reads the chunks back as before. So the commit's verdict is the same either way, on every
 * replica, and a node that restarted (this is memory only) or installed a snapshot simply reads
 * back.
 *
 * <p>At most {@value #MAX_UPLOADS} uploads are followed, the least recently put forgotten first.
 *
 * <p><b>Threading:</b> the Raft apply thread only.
 */
final class UploadDigests {
  static final int MAX_UPLOADS = 64;

  private static final class Running {
    final MessageDigest digest = Sha256.newDigest();
    int nextChunk;
    long lastIndex;
  }

  private final Map<String, Running> uploads =
      new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Running> eldest) {
          return size() > MAX_UPLOADS;
        }
      };

  /** Chunk {@code chunkIndex} of {@code uploadId}, entry {@code logIndex}, is now staged. */
  void put(String uploadId, int chunkIndex, long logIndex, byte[] data) {
    Running running = uploads.get(uploadId);
    if (chunkIndex == 0) {
      running = new Running(); // chunk 0 put (again): what came before it no longer counts
      uploads.put(uploadId, running);
    } else if (running == null
        || running.nextChunk != chunkIndex
        || running.lastIndex >= logIndex) {
      uploads.remove(uploadId);
      return;
    }
    running.digest.update(data);
    running.nextChunk = chunkIndex + 1;
    running.lastIndex = logIndex;
  }

  /**
   * The SHA-256 of chunks 0 to {@code chunkCount - 1} of {@code uploadId} if they were followed
   * from chunk 0 and none other was put after them; forgets the upload either way.
   */
  Optional<byte[]> take(String uploadId, int chunkCount) {
    Running running = uploads.remove(uploadId);
    if (running == null || running.nextChunk != chunkCount) {
      return Optional.empty();
    }
    return Optional.of(running.digest.digest());
  }

  /** Forgets one upload (its chunks were dropped). */
  void forget(String uploadId) {
    uploads.remove(uploadId);
  }

  /** Forgets every upload (the database was replaced by a snapshot). */
  void clear() {
    uploads.clear();
  }
}
