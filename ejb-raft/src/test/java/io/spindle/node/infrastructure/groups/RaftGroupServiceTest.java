package io.spindle.node.infrastructure.groups;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spindle.node.application.CommandLog;
import io.spindle.node.application.NoSuchMemberException;
import io.spindle.node.application.NotLeaderException;
import io.spindle.node.domain.group.GroupMember;
import io.spindle.node.domain.group.GroupName;
import io.spindle.node.domain.group.MemberId;
import io.spindle.node.domain.group.MemberKey;
import io.spindle.node.domain.group.MemberSpec;
import io.spindle.node.domain.group.Probe;
import io.spindle.node.infrastructure.store.FileStoreStateMachine;
import io.spindle.node.infrastructure.store.StoreSettings;
import io.spindle.node.infrastructure.store.TestDatabase;
import io.spindle.raft.Entry;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link RaftGroupService} over a real state machine (H2) and a log whose read barrier the test
 * holds back: a renewal is answered from the leader's copy of the members, waiting for the barrier
 * only until the copy has caught up with the log once in the leader's term, so that a stream of
 * writes waiting to be applied does not hold renewals back, and a new term waits again.
 */
class RaftGroupServiceTest {
  private static final GroupName WEB = GroupName.of("web");

  private TestDatabase db;
  private FileStoreStateMachine machine;
  private RaftGroupService service;
  private HeldLog log;
  private final AtomicLong term = new AtomicLong(1);
  private final ExecutorService caller = Executors.newSingleThreadExecutor();

  @BeforeEach
  void start() {
    db = TestDatabase.create(TestDatabase.Kind.H2);
    machine = db.stateMachine(StoreSettings.defaults());
    service =
        new RaftGroupService(
            machine.groupQueries(),
            GroupSettings.defaults(),
            System::nanoTime,
            Clock.systemUTC(),
            Executors.defaultThreadFactory());
    machine.listenToGroups(service);
    log = new HeldLog(machine);
    service.start(log, term::get);
  }

  @AfterEach
  void stop() {
    caller.shutdownNow();
    service.close();
    db.close();
  }

  @Test
  void aRenewalWaitsForTheBarrierOnlyUntilTheCopyCaughtUpInTheTerm() throws Exception {
    service.join(WEB, MemberId.of("a"), spec());
    service.join(WEB, MemberId.of("b"), spec());

    // The term's first renewal waits for the barrier: the copy may lack what an earlier leader
    // acknowledged.
    CompletableFuture<Void> barrier = log.holdBarrier();
    Future<GroupMember> first = async(() -> service.renew(WEB, MemberId.of("a")));
    assertFalse(waitsLonger(first), "answered before the barrier");
    barrier.complete(null);
    assertEquals("a", first.get(10, TimeUnit.SECONDS).id().value());

    // Then a confirmed read index is enough: writes in flight do not hold renewals back.
    log.holdBarrier();
    assertEquals("b", service.renew(WEB, MemberId.of("b")).id().value());
    assertEquals(
        List.of(true, false, true),
        service
            .renewAll(
                List.of(
                    new MemberKey(WEB, MemberId.of("a")),
                    new MemberKey(WEB, MemberId.of("nobody")),
                    new MemberKey(WEB, MemberId.of("b"))))
            .stream()
            .map(Optional::isPresent)
            .toList());

    // A member that left (acknowledged, so applied here) is not renewed, without the barrier.
    assertTrue(service.leave(WEB, MemberId.of("a")));
    NoSuchMemberException gone =
        assertThrows(NoSuchMemberException.class, () -> service.renew(WEB, MemberId.of("a")));
    assertTrue(gone.getMessage().contains("join again"), gone.getMessage());

    // A new term (this node led again after another leader) waits for the barrier once more.
    term.set(3);
    CompletableFuture<Void> again = log.holdBarrier();
    Future<GroupMember> renewed = async(() -> service.renew(WEB, MemberId.of("b")));
    assertFalse(waitsLonger(renewed), "a new term's first renewal answered before the barrier");
    again.complete(null);
    assertEquals("b", renewed.get(10, TimeUnit.SECONDS).id().value());
  }

  @Test
  void aRenewalNeedsTheLeaderToConfirmItLeads() throws Exception {
    service.join(WEB, MemberId.of("a"), spec());
    log.refuseReadIndex = true;
    assertThrows(NotLeaderException.class, () -> service.renew(WEB, MemberId.of("a")));
  }

  private static MemberSpec spec() {
    return new MemberSpec("10.0.0.1:80", Duration.ofSeconds(30), Map.of(), Probe.NONE);
  }

  private <T> Future<T> async(java.util.concurrent.Callable<T> call) {
    return caller.submit(call);
  }

  /** Whether {@code f} is still not done after a while (what not answering looks like). */
  private static boolean waitsLonger(Future<?> f) throws InterruptedException {
    try {
      f.get(300, TimeUnit.MILLISECONDS);
      return true;
    } catch (java.util.concurrent.TimeoutException e) {
      return false;
    } catch (java.util.concurrent.ExecutionException e) {
      throw new AssertionError("failed instead of waiting", e.getCause());
    }
  }

  /**
   * A leader's log of one node: a submitted command is applied at once; the read index is confirmed
   * at once (or refused); the read barrier completes when the test says.
   */
  private static final class HeldLog implements CommandLog {
    private final FileStoreStateMachine machine;
    private long nextIndex = 1;
    private volatile CompletableFuture<Void> barrier = CompletableFuture.completedFuture(null);
    volatile boolean refuseReadIndex;

    HeldLog(FileStoreStateMachine machine) {
      this.machine = machine;
    }

    CompletableFuture<Void> holdBarrier() {
      barrier = new CompletableFuture<>();
      return barrier;
    }

    @Override
    public synchronized CompletableFuture<byte[]> submit(byte[] command) {
      return CompletableFuture.completedFuture(
          machine.apply(List.of(Entry.command(nextIndex++, 1, command))).get(0));
    }

    @Override
    public CompletableFuture<Void> readBarrier() {
      return barrier;
    }

    @Override
    public CompletableFuture<Long> readIndex() {
      return refuseReadIndex
          ? CompletableFuture.failedFuture(notLeader())
          : CompletableFuture.completedFuture(nextIndex - 1);
    }

    @Override
    public boolean isLeader() {
      return true;
    }

    @Override
    public NotLeaderException notLeader() {
      return new NotLeaderException(Optional.empty());
    }
  }
}
