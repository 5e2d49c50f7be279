package io.spindle.node.infrastructure.membership;

import io.spindle.discovery.AddNodeRequest;
import io.spindle.discovery.DiscoveryClient;
import io.spindle.discovery.DiscoverySettings;
import io.spindle.discovery.DiscoveryStatus;
import io.spindle.discovery.DiscoveryTimeoutException;
import io.spindle.discovery.EdgeList;
import io.spindle.raft.server.RaftStatus;
import java.io.IOException;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ThreadFactory;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * A node's way into its cluster when it has neither static peers nor the bootstrap flag: on one
 * background thread it announces itself ({@link DiscoveryClient}) until a discovery server answers
 * with the edge list, hands that to {@code onEdgeList} (the runtime then connects its queue worker
 * to the queue server named there, which forwards the join to the leader), and waits to see itself
 * in a configuration with a leader. If that does not happen within {@code memberWait} (the join job
 * was dropped, the leader changed) it announces itself again. A restarted member is answered
 * "member already" by the leader and is done at once.
 *
 * <p>{@link #describe()} says, for {@code /health}, what the node waits for.
 */
public final class DiscoveryJoiner implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(DiscoveryJoiner.class.getName());
  private static final Duration DISCOVER_ROUND = Duration.ofSeconds(30);

  private final DiscoveryClient client;
  private final String clusterId;
  private final Supplier<RaftStatus> status;
  private final Consumer<EdgeList> onEdgeList;
  private final Duration memberWait;
  private final Thread thread;
  private volatile EdgeList edges;
  private volatile boolean closed;
  private volatile boolean done;

  public DiscoveryJoiner(
      DiscoverySettings settings,
      AddNodeRequest self,
      Supplier<RaftStatus> status,
      Consumer<EdgeList> onEdgeList,
      Duration memberWait,
      ThreadFactory threads) {
    this.client = new DiscoveryClient(settings, self);
    this.clusterId = settings.clusterId();
    this.status = Objects.requireNonNull(status, "status");
    this.onEdgeList = Objects.requireNonNull(onEdgeList, "onEdgeList");
    this.memberWait = Objects.requireNonNull(memberWait, "memberWait");
    this.thread = threads.newThread(this::run);
    if (thread == null) {
      throw new IllegalStateException("the thread factory refused the discovery thread");
    }
  }

  public DiscoveryJoiner start() {
    thread.start();
    return this;
  }

  /** Whether this node is a member that knows its leader (what the joiner waits for). */
  public static boolean isSettledMember(RaftStatus s) {
    return s.configuration().contains(s.id()) && s.leader().isPresent();
  }

  /** Whether the node is in (it saw itself in a configuration with a leader). */
  public boolean joined() {
    return done;
  }

  /** The edge list, once one arrived. */
  public Optional<EdgeList> edgeList() {
    return Optional.ofNullable(edges);
  }

  /** One sentence for an operator: what the node waits for now. */
  public String describe() {
    RaftStatus s = status.get();
    EdgeList e = edges;
    if (done || isSettledMember(s)) {
      return s.configuration().isLearner(s.id())
          ? "a learner of cluster '"
              + clusterId
              + "' catching up; the leader promotes it to voter once it is close to the commit"
              + " index"
          : "a member of cluster '" + clusterId + "'";
    }
    if (e == null) {
      DiscoveryStatus d = client.status();
      return d.state() == DiscoveryStatus.State.NOT_STARTED
          ? "waiting for an edge list from the discovery server of cluster '" + clusterId + "'"
          : d.description();
    }
    return "found cluster '"
        + clusterId
        + "' (queue server "
        + e.queueServer()
        + e.leaderId().map(l -> ", leader " + l).orElse(", no leader yet")
        + "); waiting for the leader to add this node as a learner";
  }

  private void run() {
    while (!closed && !done) {
      try {
        EdgeList found = client.discover(DISCOVER_ROUND);
        boolean first = edges == null;
        edges = found;
        if (first) {
          onEdgeList.accept(found);
        }
        long deadline = System.nanoTime() + memberWait.toNanos();
        while (!closed && System.nanoTime() < deadline) {
          if (isSettledMember(status.get())) {
            done = true;
            LOG.info(() -> "this node is a member of cluster '" + clusterId + "'");
            return;
          }
          Thread.sleep(100);
        }
        if (!closed) {
          LOG.info(
              () ->
                  "not added to cluster '"
                      + clusterId
                      + "' within "
                      + memberWait.toSeconds()
                      + " s; announcing again");
        }
      } catch (DiscoveryTimeoutException e) {
        LOG.info(() -> describe() + "; still no answer, announcing again");
      } catch (InterruptedException e) {
        return;
      } catch (IOException | RuntimeException e) {
        if (closed) {
          return;
        }
        LOG.log(Level.WARNING, "discovery failed: " + e.getMessage() + "; retrying in 5 s", e);
        try {
          Thread.sleep(5_000);
        } catch (InterruptedException stop) {
          return;
        }
      }
    }
  }

  @Override
  public void close() {
    closed = true;
    thread.interrupt();
  }
}
