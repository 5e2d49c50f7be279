package io.spindle.node.infrastructure.membership;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.spindle.raft.Configuration;
import io.spindle.raft.FollowerProgress;
import io.spindle.raft.Member;
import io.spindle.raft.NodeId;
import io.spindle.raft.Role;
import io.spindle.raft.server.RaftStatus;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** When a leader promotes a learner: caught up within the gap, recently active, one at a time. */
class PromotionPolicyTest {
  private static final NodeId N1 = NodeId.of("n1");
  private static final NodeId N2 = NodeId.of("n2");
  private static final NodeId N3 = NodeId.of("n3");
  private static final NodeId N4 = NodeId.of("n4");
  private static final Configuration CONFIG =
      new Configuration(
          List.of(Member.of("n1", "a:1;http://a:2"), Member.of("n2", "b:1;http://b:2")),
          List.of(Member.of("n3", "c:1;http://c:2"), Member.of("n4", "d:1;http://d:2")));

  private final PromotionPolicy policy = new PromotionPolicy(10);
  private final Map<NodeId, FollowerProgress> progress = new LinkedHashMap<>();

  private static RaftStatus status(Role role, long commitIndex) {
    return new RaftStatus(
        N1,
        role,
        3,
        Optional.of(N1),
        commitIndex,
        commitIndex,
        commitIndex,
        CONFIG,
        1,
        Map.of(),
        true);
  }

  private void follower(NodeId id, boolean voter, long match, boolean active) {
    progress.put(id, new FollowerProgress(id, voter, match, match + 1, "REPLICATE", active));
  }

  @Test
  void promotesALearnerWithinTheGapThatWasHeardFrom() {
    follower(N2, true, 100, true);
    follower(N3, false, 90, true);
    assertEquals(
        Optional.of(N3), policy.learnerToPromote(status(Role.LEADER, 100), progress, false));
  }

  @Test
  void aLearnerTooFarBehindWaits() {
    follower(N3, false, 89, true);
    assertEquals(
        Optional.empty(), policy.learnerToPromote(status(Role.LEADER, 100), progress, false));
  }

  @Test
  void aSilentLearnerIsNotPromoted() {
    follower(N3, false, 100, false);
    assertEquals(
        Optional.empty(), policy.learnerToPromote(status(Role.LEADER, 100), progress, false));
  }

  @Test
  void votersAreNeverPromotedAgain() {
    follower(N2, true, 100, true);
    assertEquals(
        Optional.empty(), policy.learnerToPromote(status(Role.LEADER, 100), progress, false));
  }

  @Test
  void theMostCaughtUpLearnerGoesFirst() {
    follower(N3, false, 95, true);
    follower(N4, false, 99, true);
    assertEquals(
        Optional.of(N4), policy.learnerToPromote(status(Role.LEADER, 100), progress, false));
  }

  @Test
  void nothingWhileAChangeIsPendingOrOnAFollower() {
    follower(N3, false, 100, true);
    assertEquals(
        Optional.empty(), policy.learnerToPromote(status(Role.LEADER, 100), progress, true));
    assertEquals(
        Optional.empty(), policy.learnerToPromote(status(Role.FOLLOWER, 100), progress, false));
  }

  @Test
  void aLearnerWithNothingReplicatedIsNotCaughtUp() {
    follower(N3, false, 0, true);
    assertEquals(
        Optional.empty(), policy.learnerToPromote(status(Role.LEADER, 5), progress, false));
  }

  @Test
  void aNegativeGapIsRefused() {
    assertThrows(IllegalArgumentException.class, () -> new PromotionPolicy(-1));
  }
}
