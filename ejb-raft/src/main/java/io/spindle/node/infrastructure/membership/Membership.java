package io.spindle.node.infrastructure.membership;

import io.spindle.node.domain.MemberAddress;
import io.spindle.raft.ConfigChange;
import io.spindle.raft.Configuration;
import io.spindle.raft.FollowerProgress;
import io.spindle.raft.Member;
import io.spindle.raft.NodeId;
import io.spindle.raft.server.RaftDriver;
import io.spindle.raft.server.RaftException;
import io.spindle.raft.server.RaftStatus;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.logging.Logger;

/**
 * The leader's side of scale-out: adds a joining node as a learner, removes a leaving one, and
 * promotes caught-up learners to voters ({@link PromotionPolicy}). Every change is one
 * single-server {@link ConfigChange} proposed through the {@link RaftDriver}; the driver refuses a
 * second while one is uncommitted, which this class reports as {@link NotNowException}.
 *
 * <p><b>Threading:</b> thread-safe; each method blocks its caller (a queue job thread, the
 * promoter's thread) until the change commits or {@code timeout} passes.
 */
public final class Membership {
  private static final Logger LOG = Logger.getLogger(Membership.class.getName());

  /** The change cannot be made here or now (not the leader, another change pending, timeout). */
  public static final class NotNowException extends RuntimeException {
    public NotNowException(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /** A member after a join: {@code voter} false while it is a learner catching up. */
  public record Joined(NodeId id, boolean voter) {}

  private final RaftDriver driver;
  private final PromotionPolicy policy;
  private final Duration timeout;
  private volatile CompletableFuture<Long> pending = CompletableFuture.completedFuture(0L);

  public Membership(RaftDriver driver, PromotionPolicy policy, Duration timeout) {
    this.driver = Objects.requireNonNull(driver, "driver");
    this.policy = Objects.requireNonNull(policy, "policy");
    this.timeout = Objects.requireNonNull(timeout, "timeout");
  }

  /**
   * Makes {@code id} a member: a learner at {@code raftAddress;httpUrl}, unless it is a member
   * already (a restarted node keeps its identity and data). A member that comes back at another
   * address gets that address, keeping its place as voter or learner.
   *
   * @throws NotNowException this node does not lead, or the change did not commit in time
   */
  public Joined join(NodeId id, String raftAddress, URI httpUrl) {
    RaftStatus s = requireLeader("add " + id);
    Configuration c = s.configuration();
    String address = new MemberAddress(raftAddress, httpUrl).encode();
    Optional<Member> known = c.member(id);
    if (known.isPresent()) {
      if (id.equals(s.id())) {
        // This leader runs at its own address; an announcement in its name is stale or a copy.
        if (!known.get().address().equals(address)) {
          LOG.warning(
              () ->
                  "a node announced itself as "
                      + id
                      + " (the leader) at "
                      + address
                      + "; the leader runs at "
                      + known.get().address()
                      + " and keeps it: do two nodes share the id "
                      + id
                      + "?");
        }
      } else if (!known.get().address().equals(address)) {
        String before = known.get().address();
        long index = change(new ConfigChange.Readdress(new Member(id, address)), "readdress " + id);
        LOG.info(() -> id + " moved from " + before + " to " + address + " (entry " + index + ")");
      } else {
        LOG.fine(() -> id + " asked to join but is a member already");
      }
      return new Joined(id, c.isVoter(id));
    }
    long index = change(new ConfigChange.AddLearner(new Member(id, address)), "add " + id);
    LOG.info(() -> "added " + id + " (" + address + ") as a learner at index " + index);
    return new Joined(id, false);
  }

  /**
   * Removes {@code id} from the configuration; nothing to do if it is not a member.
   *
   * @return whether a change was made
   * @throws NotNowException this node does not lead, the node is this leader itself (it hands over
   *     leadership first, then the new leader removes it), the last voter, or the change did not
   *     commit in time
   */
  public boolean leave(NodeId id) {
    RaftStatus s = requireLeader("remove " + id);
    Configuration c = s.configuration();
    if (!c.contains(id)) {
      return false;
    }
    if (id.equals(s.id())) {
      throw new NotNowException(
          "the leader " + id + " does not remove itself; it hands over leadership first", null);
    }
    if (c.isVoter(id) && c.voters().size() == 1) {
      throw new NotNowException(id + " is the last voter and cannot leave", null);
    }
    long index = change(new ConfigChange.Remove(id), "remove " + id);
    LOG.info(() -> "removed " + id + " from the configuration at index " + index);
    return true;
  }

  /**
   * One round of the promotion policy: promotes at most one learner that has caught up.
   *
   * @return the learner promoted
   */
  public Optional<NodeId> promoteCaughtUpLearner() {
    RaftStatus s = driver.status();
    if (!s.isLeader() || s.configuration().learners().isEmpty()) {
      return Optional.empty();
    }
    Map<NodeId, FollowerProgress> progress;
    try {
      progress = driver.progress().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException | TimeoutException e) {
      return Optional.empty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.empty();
    }
    Optional<NodeId> learner =
        policy.learnerToPromote(driver.status(), progress, !pending.isDone());
    if (learner.isEmpty()) {
      return Optional.empty();
    }
    long index = change(new ConfigChange.Promote(learner.get()), "promote " + learner.get());
    LOG.info(() -> "promoted " + learner.get() + " to voter at index " + index);
    return learner;
  }

  private RaftStatus requireLeader(String what) {
    RaftStatus s = driver.status();
    if (!s.isLeader()) {
      throw new NotNowException(
          "cannot "
              + what
              + ": node "
              + s.id()
              + " does not lead (leader: "
              + s.leader().map(NodeId::toString).orElse("unknown")
              + ")",
          null);
    }
    return s;
  }

  /** Proposes {@code change} and waits for its commit; returns its index. */
  private long change(ConfigChange change, String what) {
    CompletableFuture<Long> f = driver.changeMembership(change);
    pending = f;
    try {
      return f.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      throw new NotNowException(
          "cannot "
              + what
              + " now: "
              + (cause instanceof RaftException ? cause.getMessage() : cause),
          cause);
    } catch (TimeoutException e) {
      throw new NotNowException(
          "cannot " + what + ": not committed within " + timeout.toMillis() + " ms", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new NotNowException("interrupted while waiting to " + what, e);
    }
  }
}
