package io.spindle.node.infrastructure.membership;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ThreadFactory;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Runs {@link Membership#promoteCaughtUpLearner()} every {@code period} on one thread of the given
 * factory (a {@code ManagedThreadFactory} in Payara); it does nothing unless this node leads and
 * has learners. {@link #close()} stops the thread.
 */
public final class LearnerPromoter implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(LearnerPromoter.class.getName());

  private final Membership membership;
  private final Duration period;
  private final Thread thread;
  private volatile boolean closed;

  public LearnerPromoter(Membership membership, Duration period, ThreadFactory threads) {
    this.membership = Objects.requireNonNull(membership, "membership");
    this.period = Objects.requireNonNull(period, "period");
    this.thread = threads.newThread(this::run);
    if (thread == null) {
      throw new IllegalStateException("the thread factory refused the learner promoter's thread");
    }
  }

  public LearnerPromoter start() {
    thread.start();
    return this;
  }

  private void run() {
    while (!closed) {
      try {
        Thread.sleep(period.toMillis());
        membership.promoteCaughtUpLearner();
      } catch (InterruptedException e) {
        return;
      } catch (Membership.NotNowException e) {
        LOG.fine(() -> "no promotion this round: " + e.getMessage());
      } catch (RuntimeException e) {
        LOG.log(Level.WARNING, "the learner promoter failed a round (a bug?)", e);
      }
    }
  }

  @Override
  public void close() {
    closed = true;
    thread.interrupt();
  }
}
