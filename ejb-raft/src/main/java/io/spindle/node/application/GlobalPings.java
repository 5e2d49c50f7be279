package io.spindle.node.application;

import io.spindle.protocol.queue.ClustersResult;
import io.spindle.protocol.queue.PingResult;
import java.time.Duration;

/**
 * Pings across clusters, through the route table the leaders publish: another cluster by its id, or
 * a walk over every cluster. Answers are the queue protocol's messages, as the CLI gets them.
 *
 * <p><b>Blocking:</b> {@link #cluster} and {@link #walk} wait for the other clusters' answers, at
 * most {@code timeout} per cluster; failures are {@link GlobalPingException}s.
 */
public interface GlobalPings {
  /** How long one cluster may take to answer, unless the caller says. */
  Duration DEFAULT_CLUSTER_TIMEOUT = Duration.ofSeconds(5);

  /** How many clusters a walk visits at most. */
  int DEFAULT_HOP_LIMIT = 64;

  /** The route table: every cluster whose leader published a route. */
  ClustersResult.Builder clusters();

  /** Pings the cluster {@code target} through its queue server. */
  PingResult.Builder cluster(String target, Duration timeout);

  /** Pings every cluster of the route table, this one first. */
  PingResult.Builder walk(Duration timeout, int hopLimit);
}
