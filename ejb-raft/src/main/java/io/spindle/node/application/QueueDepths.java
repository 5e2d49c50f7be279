package io.spindle.node.application;

import io.spindle.protocol.queue.DeadLetter;
import io.spindle.protocol.queue.QueueView;
import java.util.List;
import java.util.Objects;

/**
 * The queues of a queue server as it last told this node: each one's name ("leader" or "shared"),
 * jobs waiting, capacity and jobs leased to nodes, and the jobs it gave up on lately.
 *
 * @param server the queue server's address, host:port
 * @param deadLetters the latest jobs given up on, newest first
 */
public record QueueDepths(String server, List<QueueView> queues, List<DeadLetter> deadLetters) {
  public QueueDepths {
    Objects.requireNonNull(server, "server");
    queues = List.copyOf(queues);
    deadLetters = List.copyOf(deadLetters);
  }
}
