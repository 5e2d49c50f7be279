package io.spindle.raft.server;

import io.spindle.raft.Configuration;
import io.spindle.raft.Member;
import io.spindle.raft.NodeId;
import io.spindle.raft.RaftNode;
import io.spindle.raft.StorageId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

/**
 * Whom a {@link RaftDriver}'s messenger must reach: the node's configuration as the driver last saw
 * it, and the members removed from it recently. Logs each configuration change, and each member
 * that came back from another storage.
 *
 * <p><b>Threading:</b> the driver's thread only. <b>Blocking:</b> only as long as {@link
 * PeerMessenger#updatePeers} does.
 */
final class PeerDirectory {
  /** The driver's logger: operators configure and read the node's story under that one name. */
  private static final Logger LOG = Logger.getLogger(RaftDriver.class.getName());

  private final NodeId id;
  private final RaftNode node;
  private final PeerMessenger messenger;
  private final long removedPeerGraceNanos;
  private Configuration knownConfiguration;

  /**
   * Members removed from the configuration, with the time (nanos) until which they stay reachable:
   * a leader goes on telling a removed server of its removal for a while (see RaftNode), and the
   * messenger must still know where it is.
   */
  private final Map<Member, Long> recentlyRemoved = new HashMap<>();

  PeerDirectory(
      NodeId id,
      RaftNode node,
      PeerMessenger messenger,
      RaftNodeSettings settings,
      long tickNanos) {
    this.id = id;
    this.node = node;
    this.messenger = messenger;
    // Longer than RaftNode keeps replicating to a removed peer (an election timeout after commit).
    this.removedPeerGraceNanos =
        Math.max(TimeUnit.SECONDS.toNanos(5), 4L * settings.raft().electionTicks() * tickNanos);
  }

  /** The configuration the driver last saw; null before {@link #start()}. */
  Configuration configuration() {
    return knownConfiguration;
  }

  /** Tells the messenger the node's configuration as the driver's loop starts. */
  void start() {
    knownConfiguration = node.configuration();
    messenger.updatePeers(knownConfiguration);
  }

  /**
   * Takes in a change of the node's configuration, and lets go of removed members whose grace
   * period is over; tells the messenger when its peers changed.
   */
  void refresh() {
    Configuration configuration = node.configuration();
    if (configuration != knownConfiguration && !configuration.equals(knownConfiguration)) {
      long until = System.nanoTime() + removedPeerGraceNanos;
      for (Member m : knownConfiguration.all()) {
        if (!configuration.contains(m.id())) {
          recentlyRemoved.put(m, until);
        }
      }
      logStorageChanges(knownConfiguration, configuration);
      knownConfiguration = configuration;
      LOG.info(() -> "Raft node " + id + ": configuration is now " + configuration);
      updatePeers();
    } else if (!recentlyRemoved.isEmpty()) {
      long now = System.nanoTime();
      if (recentlyRemoved.values().removeIf(until -> now - until >= 0)) {
        updatePeers();
      }
    }
  }

  /**
   * Says in the log when a member came back from another storage than the one recorded for it (a
   * wiped or replaced disk) and was taken back as a learner, or had its storage recorded.
   */
  private void logStorageChanges(Configuration before, Configuration after) {
    for (Member m : after.all()) {
      StorageId was = before.storageOf(m.id());
      if (!before.contains(m.id()) || was.equals(m.storage())) {
        continue;
      }
      if (!was.isKnown()) {
        LOG.info(() -> "Raft node " + id + ": " + m.id() + " answers from storage " + m.storage());
      } else {
        LOG.warning(
            () ->
                "Raft node "
                    + id
                    + ": "
                    + m.id()
                    + " now answers from storage "
                    + m.storage()
                    + ", not the storage "
                    + was
                    + " it had: its disk was wiped or replaced, so it may have forgotten entries it"
                    + " acknowledged and votes it cast. It is "
                    + (after.isVoter(m.id()) ? "a voter" : "a learner again")
                    + " under its new storage and counts for elections and commits only once it"
                    + " has caught up and been promoted.");
      }
    }
  }

  /** The configuration's members and those removed recently, for the messenger. */
  private void updatePeers() {
    Configuration c = knownConfiguration;
    recentlyRemoved.keySet().removeIf(m -> c.contains(m.id()));
    if (recentlyRemoved.isEmpty()) {
      messenger.updatePeers(c);
      return;
    }
    List<Member> learners = new ArrayList<>(c.learners());
    learners.addAll(recentlyRemoved.keySet());
    messenger.updatePeers(new Configuration(c.voters(), learners));
  }
}
