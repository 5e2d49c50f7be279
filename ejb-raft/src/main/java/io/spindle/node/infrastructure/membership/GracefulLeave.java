package io.spindle.node.infrastructure.membership;

import io.spindle.node.infrastructure.raft.RaftDriver;
import io.spindle.node.infrastructure.raft.RaftStatus;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.logging.Logger;

/**
 * A member's graceful leave before it stops: unless it is the last voter, it says "leaving" in the
 * status it reports to the queue server ({@link #requested()}), which queues a LEAVE job for the
 * leader; a leader hands its leadership over first, so that the next leader removes it. A removed
 * node is not told (the leader stops replicating to it), so it waits a bounded time and stops
 * either way; the LEAVE job finishes without it.
 *
 * <p>Thread-safe; {@link #leave} blocks its caller (the stopping thread) for at most the wait.
 */
public final class GracefulLeave {
  private static final Logger LOG = Logger.getLogger(GracefulLeave.class.getName());

  private volatile boolean requested;

  /** Whether this node asked to leave (reported with its status). */
  public boolean requested() {
    return requested;
  }

  /**
   * Asks to leave and waits at most {@code wait} to see the removal.
   *
   * @param reportStatusNow sends this node's status to the queue server at once
   * @return whether the node asked to leave (false for the last voter or a non-member)
   */
  public boolean leave(RaftDriver driver, Runnable reportStatusNow, Duration wait) {
    if (!driver.isRunning()) {
      return false;
    }
    RaftStatus s = driver.status();
    if (!s.configuration().contains(s.id())) {
      return false;
    }
    if (s.configuration().isVoter(s.id()) && s.configuration().voters().size() <= 1) {
      LOG.info(() -> "node " + s.id() + " is the last voter: it stays in the configuration");
      return false;
    }
    requested = true;
    LOG.info(() -> "node " + s.id() + " asks to leave the cluster before it stops");
    long deadline = System.nanoTime() + wait.toNanos();
    try {
      if (s.isLeader()) {
        driver.handOverLeadership().get(wait.toMillis(), TimeUnit.MILLISECONDS);
      }
      reportStatusNow.run();
      while (System.nanoTime() < deadline) {
        RaftStatus now = driver.status();
        if (!now.configuration().contains(now.id())) {
          LOG.info(() -> "node " + now.id() + " left the configuration");
          return true;
        }
        Thread.sleep(100);
      }
      LOG.info(
          () ->
              "node "
                  + s.id()
                  + " stops without having seen its removal (a removed node is not told); the"
                  + " leader removes it through the queued LEAVE job");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException | RuntimeException e) {
      LOG.info(() -> "leaving: " + e);
    }
    return true;
  }
}
