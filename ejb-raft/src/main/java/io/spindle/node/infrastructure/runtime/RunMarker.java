package io.spindle.node.infrastructure.runtime;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A file in the node's data directory for as long as the node runs: found when the node starts, it
 * says the last run did not stop cleanly (it was killed, crashed, or its machine lost power), which
 * the node's log then says, so that an operator reading it knows what the node went through.
 */
final class RunMarker {
  static final String NAME = "running";

  private RunMarker() {}

  /** Marks the node as running in {@code dataDir}; whether the last run did not stop cleanly. */
  static boolean begin(Path dataDir) throws IOException {
    Path marker = dataDir.resolve(NAME);
    boolean unclean = Files.exists(marker);
    Files.writeString(marker, ProcessHandle.current().pid() + "\n");
    return unclean;
  }

  /** The node stopped cleanly. */
  static void end(Path dataDir) throws IOException {
    Files.deleteIfExists(dataDir.resolve(NAME));
  }
}
