package io.spindle.node.infrastructure.membership;

import io.spindle.raft.server.RaftDriver;
import io.spindle.raft.server.RaftStatus;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.logging.Logger;

/**
 * A member's graceful leave before it stops: unless it is the last voter, it says "leaving" in the
 * status it reports to the queue server ({@link #requested()}), which queues a LEAVE job for the
 * leader; a leader hands its leadership over first, so that the next leader removes it. The leader
 * goes on replicating to a removed node for a moment after the removal commits, so the node sees
 * itself out of a committed configuration and stops at once; if it does not (the queue server or
 * the leader is unreachable) it stops after a bounded wait, and the queued LEAVE job finishes
 * without it.
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

  /** How a leave ended. */
  public enum Outcome {
    /** Not asked: the node is not a member, is the last voter, or its Raft node has stopped. */
    STAYED,
    /** The node saw itself out of a committed configuration. */
    LEFT,
    /** Asked, but the removal was not seen within the wait (the LEAVE job stays queued). */
    GAVE_UP
  }

  /**
   * Asks to leave and waits at most {@code wait} to see the removal committed.
   *
   * @param reportStatusNow sends this node's status to the queue server at once
   */
  public Outcome leave(RaftDriver driver, Runnable reportStatusNow, Duration wait) {
    if (!driver.isRunning()) {
      return Outcome.STAYED;
    }
    RaftStatus s = driver.status();
    if (!s.configuration().contains(s.id())) {
      return Outcome.STAYED;
    }
    if (s.configuration().isVoter(s.id()) && s.configuration().voters().size() <= 1) {
      LOG.info(() -> "node " + s.id() + " is the last voter: it stays in the configuration");
      return Outcome.STAYED;
    }
    requested = true;
    LOG.info(() -> "node " + s.id() + " asks to leave the cluster before it stops");
    long start = System.nanoTime();
    long deadline = start + wait.toNanos();
    try {
      if (s.isLeader()) {
        driver.handOverLeadership().get(wait.toMillis(), TimeUnit.MILLISECONDS);
      }
      reportStatusNow.run();
      while (System.nanoTime() < deadline) {
        RaftStatus now = driver.status();
        if (!now.configuration().contains(now.id()) && now.configurationCommitted()) {
          long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
          LOG.info(
              () ->
                  "node "
                      + now.id()
                      + " left the configuration in "
                      + millis
                      + " ms (removal committed at index "
                      + now.configurationIndex()
                      + ")");
          return Outcome.LEFT;
        }
        Thread.sleep(20);
      }
      LOG.info(
          () ->
              "node "
                  + s.id()
                  + " stops without having seen its removal within "
                  + wait.toMillis()
                  + " ms; the leader removes it through the queued LEAVE job");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException | RuntimeException e) {
      LOG.info(() -> "leaving: " + e);
    }
    return Outcome.GAVE_UP;
  }
}
