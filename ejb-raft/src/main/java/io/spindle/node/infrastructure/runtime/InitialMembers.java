package io.spindle.node.infrastructure.runtime;

import io.spindle.raft.Member;
import io.spindle.raft.server.DurableRaftStorage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.logging.Logger;

/**
 * The configuration the Raft node starts with if its log and snapshot hold none (a configuration
 * there always wins, so the bootstrap flag founds a cluster only on a node without Raft state). The
 * single-voter configuration a founding node starts with is in no log entry, so it remembers in
 * {@value #BOOTSTRAPPED_MARKER} that it founded the cluster: restarted without the flag (as {@code
 * bin/spindle up} restarts every node), it still has its configuration.
 */
final class InitialMembers {
  private static final Logger LOG = Logger.getLogger(NodeRuntime.class.getName());

  /** A marker in the data directory: this node was started with the bootstrap flag. */
  static final String BOOTSTRAPPED_MARKER = "bootstrapped";

  private InitialMembers() {}

  /**
   * @param advertisedRaft the address this node's Raft transport is reached at
   */
  static List<Member> of(NodeSettings config, DurableRaftStorage storage, String advertisedRaft)
      throws IOException {
    Path marker = config.dataDir().resolve(BOOTSTRAPPED_MARKER);
    switch (config.startMode()) {
      case STATIC_PEERS:
        return config.initialMembers(advertisedRaft);
      case BOOTSTRAP:
        if (!Files.exists(marker)) {
          Files.writeString(
              marker,
              config.nodeId() + " was started with " + NodeSettings.BOOTSTRAP + "=true\n",
              StandardCharsets.UTF_8);
        }
        if (!hasRaftState(storage)) {
          LOG.info(() -> "node " + config.nodeId() + " founds a new single-voter cluster");
        }
        return config.bootstrapVoters(advertisedRaft);
      case DISCOVER:
      default:
        return Files.exists(marker) ? config.bootstrapVoters(advertisedRaft) : List.of();
    }
  }

  private static boolean hasRaftState(DurableRaftStorage storage) {
    return storage.log().lastIndex() > 0 || storage.snapshots().latest().isPresent();
  }
}
