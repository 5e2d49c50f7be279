package io.spindle.node.application;

import io.spindle.protocol.queue.QueueView;
import java.util.Objects;
import java.util.Optional;

/**
 * One queue server this node knows of, as this node sees it: whether its link is connected now and
 * the queues it last reported (at most a second old while connected).
 *
 * @param address host:port, as the node dials it
 * @param connected whether the link is connected and authenticated now
 * @param depths the queue server's queues as its last renewal answer told them; empty while not
 *     connected or before the first answer
 */
public record QueueServerStatus(String address, boolean connected, Optional<QueueDepths> depths) {
  public QueueServerStatus {
    Objects.requireNonNull(address, "address");
    Objects.requireNonNull(depths, "depths");
  }

  /** Jobs waiting in the queue named {@code name} ("leader" or "shared"), if it is known. */
  public Optional<Long> waiting(String name) {
    return depths.flatMap(
        d ->
            d.queues().stream()
                .filter(q -> q.getName().equals(name))
                .findFirst()
                .map(QueueView::getDepth)
                .map(Integer::toUnsignedLong));
  }
}
