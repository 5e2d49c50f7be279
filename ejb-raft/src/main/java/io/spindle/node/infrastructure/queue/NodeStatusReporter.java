package io.spindle.node.infrastructure.queue;

import io.spindle.node.application.StorageWatermark;
import io.spindle.node.domain.MemberAddress;
import io.spindle.protocol.queue.Member;
import io.spindle.protocol.queue.MemberProgress;
import io.spindle.protocol.queue.NodeRole;
import io.spindle.protocol.queue.NodeStatus;
import io.spindle.raft.NodeId;
import io.spindle.raft.server.RaftStatus;
import java.net.URI;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * What this node tells the queue server about itself with every steal and renewal, for {@link
 * LocalJobRunner}: its Raft role, term and indexes, the members and their progress, whether it is
 * leaving, the largest file it stores and its free storage.
 *
 * <p><b>Threading:</b> any thread (the queue worker's event loop asks with every steal and
 * renewal); reads only.
 */
final class NodeStatusReporter {
  private final Supplier<RaftStatus> status;
  private final String raftAddress;
  private final URI httpUrl;
  private final BooleanSupplier leaving;
  private final long maxFileBytes;
  private final StorageWatermark disk;

  NodeStatusReporter(
      Supplier<RaftStatus> status,
      String raftAddress,
      URI httpUrl,
      BooleanSupplier leaving,
      long maxFileBytes,
      StorageWatermark disk) {
    this.status = status;
    this.raftAddress = raftAddress;
    this.httpUrl = httpUrl;
    this.leaving = leaving;
    this.maxFileBytes = maxFileBytes;
    this.disk = disk;
  }

  /** What this node tells the queue server about itself with every steal and renewal. */
  NodeStatus report() {
    RaftStatus s = status.get();
    NodeStatus.Builder b =
        NodeStatus.newBuilder()
            .setNodeId(s.id().toString())
            .setRole(role(s))
            .setTerm(s.term())
            .setLeaderId(s.leader().map(NodeId::toString).orElse(""))
            .setCommitIndex(s.commitIndex())
            .setAppliedIndex(s.appliedIndex())
            .setRaftAddress(raftAddress)
            .setHttpUrl(httpUrl.toString())
            .setLeaving(leaving.getAsBoolean())
            .setMaxFileBytes(maxFileBytes)
            .setFreeStorageBytes(disk.freeBytes() == Long.MAX_VALUE ? 0 : disk.freeBytes())
            .setLowOnStorage(disk.isLow())
            .setLastIndex(s.lastIndex());
    s.matchIndex()
        .forEach(
            (peer, match) ->
                b.addProgress(
                    MemberProgress.newBuilder().setNodeId(peer.toString()).setMatchIndex(match)));
    for (io.spindle.raft.Member m : s.configuration().all()) {
      Member.Builder member =
          Member.newBuilder()
              .setNodeId(m.id().toString())
              .setVoter(s.configuration().isVoter(m.id()));
      address(m)
          .ifPresentOrElse(
              a -> member.setRaftAddress(a.raftAddress()).setHttpUrl(a.httpUrl().toString()),
              () -> member.setRaftAddress(m.address()));
      b.addMembers(member);
    }
    return b.build();
  }

  private static NodeRole role(RaftStatus s) {
    if (!s.running()) {
      return NodeRole.NODE_ROLE_UNSPECIFIED;
    }
    if (s.configuration().isLearner(s.id())) {
      return NodeRole.LEARNER;
    }
    return switch (s.role()) {
      case LEADER -> NodeRole.LEADER;
      case CANDIDATE, PRE_CANDIDATE -> NodeRole.CANDIDATE;
      default -> NodeRole.FOLLOWER;
    };
  }

  /** The member's address as a {@link MemberAddress}, if it is one. */
  static Optional<MemberAddress> address(io.spindle.raft.Member m) {
    try {
      return Optional.of(MemberAddress.parse(m.address()));
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }
}
