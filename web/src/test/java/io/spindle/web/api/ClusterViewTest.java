package io.spindle.web.api;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.spindle.node.application.NodeStatus;
import io.spindle.node.application.QueueDepths;
import io.spindle.node.application.QueueServerStatus;
import io.spindle.protocol.queue.QueueView;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** {@code /api/cluster}'s view of the queue servers a node links to. */
class ClusterViewTest {
  private static final NodeStatus STATUS =
      new NodeStatus(
          "n1", NodeStatus.Role.LEADER, 3, Optional.of("n1"), 10, 10, 10, List.of(), true);

  @Test
  void everyQueueServerIsListedWithItsLinkAndTheJobsWaitingInEachQueue() {
    QueueDepths a =
        new QueueDepths(
            "127.0.0.1:4000", List.of(queue("leader", 2, 1), queue("shared", 7, 0)), List.of());
    ClusterView view =
        ClusterView.of(
            STATUS,
            true,
            true,
            List.of(
                new QueueServerStatus("127.0.0.1:4000", true, Optional.of(a)),
                new QueueServerStatus("127.0.0.1:4001", false, Optional.empty())));

    assertEquals(
        List.of(
            new ClusterView.QueueServerView("127.0.0.1:4000", true, 2L, 7L),
            new ClusterView.QueueServerView("127.0.0.1:4001", false, null, null)),
        view.queueServers());
    assertEquals(true, view.queueConnected());
  }

  @Test
  void aNodeWithoutQueueServersListsNone() {
    ClusterView view = ClusterView.of(STATUS, true, null, List.of());
    assertEquals(List.of(), view.queueServers());
    assertEquals(null, view.queueConnected());
  }

  private static QueueView queue(String name, int depth, int leased) {
    return QueueView.newBuilder()
        .setName(name)
        .setDepth(depth)
        .setCapacity(100)
        .setLeased(leased)
        .build();
  }
}
