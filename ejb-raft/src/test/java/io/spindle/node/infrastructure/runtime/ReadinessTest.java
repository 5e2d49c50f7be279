package io.spindle.node.infrastructure.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spindle.raft.Configuration;
import io.spindle.raft.NodeId;
import io.spindle.raft.Role;
import io.spindle.raft.server.RaftStatus;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class ReadinessTest {
  private RaftStatus status = status(Optional.of(NodeId.of("n1")), 5, 5);
  private final List<CompletableFuture<Void>> barriers = new ArrayList<>();
  private long now;
  private final Readiness readiness =
      new Readiness(
          () -> status,
          () -> {
            CompletableFuture<Void> b = new CompletableFuture<>();
            barriers.add(b);
            return b;
          },
          () -> now);

  private static RaftStatus status(Optional<NodeId> leader, long commit, long applied) {
    return new RaftStatus(
        NodeId.of("n2"),
        Role.FOLLOWER,
        3,
        leader,
        commit,
        applied,
        commit,
        Configuration.empty(),
        0,
        Map.of(),
        true);
  }

  @Test
  void aNodeThatHasAppliedItsOwnCommitIndexIsNotReadyUntilTheLeadersIsApplied() {
    // A catching-up node: applied == its own commit, far behind the leader's.
    assertFalse(readiness.ready());
    assertFalse(readiness.ready(), "still waiting for the barrier");
    assertEquals(1, barriers.size(), "one barrier at a time");

    barriers.get(0).complete(null);
    assertTrue(readiness.ready());
    assertTrue(readiness.ready());
    assertEquals(1, barriers.size(), "ready stays ready without another barrier");
  }

  @Test
  void aFailedBarrierIsStartedAgain() {
    assertFalse(readiness.ready());
    barriers.get(0).completeExceptionally(new IllegalStateException("no leader answered"));
    assertFalse(readiness.ready());
    assertEquals(2, barriers.size());
    barriers.get(1).complete(null);
    assertTrue(readiness.ready());
  }

  @Test
  void aBarrierOutForLongIsStartedAgain() {
    assertFalse(readiness.ready());
    now += Readiness.RETRY_AFTER.toNanos() - 1;
    assertFalse(readiness.ready());
    assertEquals(1, barriers.size());
    now += 1;
    assertFalse(readiness.ready());
    assertEquals(2, barriers.size());
    barriers.get(1).complete(null);
    assertTrue(readiness.ready());
  }

  @Test
  void losingTheLeaderLosesReadinessAndAnEarlierBarrierDoesNotRestoreIt() {
    assertFalse(readiness.ready());
    barriers.get(0).complete(null);
    assertTrue(readiness.ready());

    status = status(Optional.empty(), 5, 5);
    assertFalse(readiness.ready());

    status = status(Optional.of(NodeId.of("n3")), 6, 6);
    assertFalse(readiness.ready());
    CompletableFuture<Void> before = barriers.get(1);
    status = status(Optional.empty(), 6, 6);
    assertFalse(readiness.ready());
    before.complete(null); // a barrier from before the leader was lost
    status = status(Optional.of(NodeId.of("n3")), 6, 6);
    assertFalse(readiness.ready(), "it took a new barrier");
    assertEquals(3, barriers.size());
    barriers.get(2).complete(null);
    assertTrue(readiness.ready());
  }
}
