package io.spindle.raft.server;

import io.spindle.raft.NodeId;
import io.spindle.raft.RaftNode;
import io.spindle.raft.ReadResult;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A {@link RaftDriver}'s linearizable reads (thesis §6.4) on their way: those that arrived since
 * the last read index was asked for (they share the next one), those waiting for their read index,
 * and those waiting for the state machine to apply it. Due reads are answered on the apply thread,
 * which owns the state machine.
 *
 * <p><b>Threading:</b> {@link #newRead} on any thread (it reads only final fields); everything
 * else, and the reads' {@code run}, on the driver's thread. A due read's {@link StateMachine#query}
 * runs on the apply thread, and its future completes there. <b>Blocking:</b> never on the driver's
 * thread; a query may take as long as the state machine needs.
 */
final class PendingReads {
  private final NodeId id;
  private final RaftNode node;
  private final Applier applier;
  private final StateMachine stateMachine;
  private final RaftNodeSettings settings;
  private final long requestTimeoutNanos;

  /** Reads that arrived since the last read index was asked for; they share the next one. */
  private final List<ReadRequest<?>> unassignedReads = new ArrayList<>();

  private final Map<Long, List<ReadRequest<?>>> readsAwaitingIndex = new HashMap<>();
  private final TreeMap<Long, List<Read>> readsAwaitingApply = new TreeMap<>();
  private long nextReadRequestId;

  PendingReads(
      NodeId id,
      RaftNode node,
      Applier applier,
      StateMachine stateMachine,
      RaftNodeSettings settings) {
    this.id = id;
    this.node = node;
    this.applier = applier;
    this.stateMachine = stateMachine;
    this.settings = settings;
    this.requestTimeoutNanos = settings.requestTimeout().toNanos();
  }

  /** A read of {@code query} to queue for the driver's thread. */
  Read newRead(byte[] query) {
    return new Read(query);
  }

  /** A request for the read index alone, to queue for the driver's thread. */
  IndexRead newIndexRead() {
    return new IndexRead();
  }

  /** Asks the node for one read index for every read that arrived since the last time. */
  void requestReadIndex() {
    if (unassignedReads.isEmpty()) {
      return;
    }
    long requestId = ++nextReadRequestId;
    readsAwaitingIndex.put(requestId, new ArrayList<>(unassignedReads));
    unassignedReads.clear();
    node.readIndex(requestId);
  }

  void readIndexAnswered(ReadResult result) {
    List<ReadRequest<?>> reads = readsAwaitingIndex.remove(result.requestId());
    if (reads == null) {
      return; // they timed out
    }
    if (!result.ok()) {
      NotLeaderException notLeader = new NotLeaderException(id, result.leaderHint());
      reads.forEach(r -> r.abort(notLeader));
      return;
    }
    reads.forEach(r -> r.indexed(result.index()));
  }

  /**
   * Reads whose index is applied ({@code appliedIndex} is how far the apply thread has applied, as
   * the driver last heard) are answered on the apply thread, which owns the machine.
   */
  void serve(long appliedIndex) {
    if (readsAwaitingApply.isEmpty() || readsAwaitingApply.firstKey() > appliedIndex) {
      return;
    }
    List<Read> due = new ArrayList<>();
    while (!readsAwaitingApply.isEmpty() && readsAwaitingApply.firstKey() <= appliedIndex) {
      due.addAll(readsAwaitingApply.pollFirstEntry().getValue());
    }
    applier.run(
        () -> {
          for (Read read : due) {
            byte[] answer;
            try {
              answer = stateMachine.query(read.query);
            } catch (RuntimeException e) {
              read.fail(e);
              continue;
            }
            read.succeed(answer);
          }
        },
        reason -> due.forEach(r -> r.abort(reason)));
  }

  /** Fails the reads still waiting for a read index or its apply whose deadline passed. */
  void expire(long now) {
    expire(readsAwaitingIndex.values().iterator(), now, settings);
    expire(readsAwaitingApply.values().iterator(), now, settings);
  }

  private static <R extends DriverRequest<?>> void expire(
      Iterator<List<R>> batches, long now, RaftNodeSettings settings) {
    while (batches.hasNext()) {
      List<R> batch = batches.next();
      batch.removeIf(
          r -> {
            if (now - r.deadline < 0) {
              return false;
            }
            r.abort(
                new OutcomeUnknownException(
                    "no linearizable read point within "
                        + settings.requestTimeout().toMillis()
                        + " ms (is the leader reachable?); reads are safe to retry"));
            return true;
          });
      if (batch.isEmpty()) {
        batches.remove();
      }
    }
  }

  /** Fails every read not yet handed to the apply thread: the node stopped. */
  void abortAll(RaftException stopped) {
    unassignedReads.forEach(r -> r.abort(stopped));
    unassignedReads.clear();
    readsAwaitingIndex.values().forEach(batch -> batch.forEach(r -> r.abort(stopped)));
    readsAwaitingIndex.clear();
    readsAwaitingApply.values().forEach(batch -> batch.forEach(r -> r.abort(stopped)));
    readsAwaitingApply.clear();
  }

  /** A read that, once run, waits for the next read index. */
  abstract class ReadRequest<T> extends DriverRequest<T> {
    private ReadRequest() {
      super(requestTimeoutNanos);
    }

    @Override
    public final void run() {
      unassignedReads.add(this);
    }

    /** The leader confirmed {@code index} as the read index: what the read waits for next. */
    abstract void indexed(long index);
  }

  /** A linearizable read: after its read index, it waits for the state machine to apply it. */
  final class Read extends ReadRequest<byte[]> {
    final byte[] query;

    private Read(byte[] query) {
      this.query = query;
    }

    @Override
    void indexed(long index) {
      readsAwaitingApply.computeIfAbsent(index, k -> new ArrayList<>()).add(this);
    }
  }

  /** The read index alone: answered as soon as the leader confirmed it, applied or not. */
  final class IndexRead extends ReadRequest<Long> {
    @Override
    void indexed(long index) {
      succeed(index);
    }
  }
}
