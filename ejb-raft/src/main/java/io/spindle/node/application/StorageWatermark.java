package io.spindle.node.application;

import java.util.Optional;

/**
 * Whether the node's disk has room for writes: below its free-space watermark, writes are refused
 * (reads go on), so that the disk never fills silently under the log and the database.
 *
 * <p><b>Threading:</b> thread-safe; cheap (answers may be a second old).
 */
public interface StorageWatermark {
  /** A disk that always has room: for tests and for nodes that do not watch their disk. */
  StorageWatermark ALWAYS_ROOM =
      new StorageWatermark() {
        @Override
        public long freeBytes() {
          return Long.MAX_VALUE;
        }

        @Override
        public Optional<String> writeProblem() {
          return Optional.empty();
        }
      };

  /** Bytes free for the node's files; {@link Long#MAX_VALUE} if unknown. */
  long freeBytes();

  /** Whether the free space is below the watermark. */
  default boolean isLow() {
    return writeProblem().isPresent();
  }

  /** Why a write is refused now, as a sentence, or empty. */
  Optional<String> writeProblem();
}
