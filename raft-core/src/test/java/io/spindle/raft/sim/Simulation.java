package io.spindle.raft.sim;

import io.spindle.raft.ConfigChange;
import io.spindle.raft.Configuration;
import io.spindle.raft.Entry;
import io.spindle.raft.Member;
import io.spindle.raft.NodeId;
import io.spindle.raft.ProposeResult;
import io.spindle.raft.RaftConfig;
import io.spindle.raft.ReadResult;
import io.spindle.raft.Role;
import io.spindle.raft.message.Message;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;

/**
 * A whole cluster in one thread under a seeded discrete-event simulator. The network delays, drops,
 * duplicates and reorders messages and can be partitioned; servers crash (losing whatever was not
 * synced) and restart; clients read and write a key-value store throughout; membership changes,
 * leadership transfers and snapshots happen under that load. After every event the invariants of
 * the Raft paper (§5.2 election safety, §5.3 log matching, §5.4 leader completeness, §5.4.3 state
 * machine safety) are checked; at the end the network heals, every server restarts, the replicas
 * must converge and the client history must be linearizable.
 *
 * <p>Everything derives from the seed: a failing seed replays exactly.
 */
public final class Simulation {
  static final int TICK = 10;

  /** What a run is made of, drawn from the seed. */
  public record Params(
      int voters,
      int spares,
      int clients,
      int keys,
      int duration,
      int maxDelay,
      double dropRate,
      double duplicateRate,
      boolean faults,
      boolean membershipChanges,
      boolean transfers,
      boolean snapshots,
      boolean durableStateMachine,
      boolean leaseRead,
      int maxInflight,
      long maxMessageBytes) {

    static Params draw(Random r) {
      int voters = r.nextInt(3) == 0 ? 5 : 3;
      return new Params(
          voters,
          r.nextInt(3) == 0 ? 1 : 0,
          2 + r.nextInt(4),
          1 + r.nextInt(3),
          2500 + r.nextInt(2500),
          2 + r.nextInt(r.nextInt(4) == 0 ? 40 : 12),
          r.nextInt(3) == 0 ? 0 : r.nextDouble() * 0.08,
          r.nextInt(3) == 0 ? 0 : r.nextDouble() * 0.04,
          r.nextInt(10) != 0,
          r.nextInt(3) == 0,
          r.nextInt(3) == 0,
          r.nextInt(2) == 0,
          r.nextBoolean(),
          r.nextInt(4) == 0,
          1 + r.nextInt(8),
          64L + r.nextInt(400));
    }

    /**
     * A cluster that grows from one voter by membership changes (the 1 → 3 → 5), under the
     * same faults: partitions, crashes, drops, leader isolation.
     */
    Params growing() {
      return new Params(
          1,
          4,
          clients,
          keys,
          duration,
          maxDelay,
          dropRate,
          duplicateRate,
          true,
          true,
          transfers,
          snapshots,
          durableStateMachine,
          leaseRead,
          maxInflight,
          maxMessageBytes);
    }
  }

  /** One client operation, as a linearizability checker sees it. */
  public record Op(
      int client, long call, long ret, boolean write, String key, String value, String output) {
    static final long PENDING = Long.MAX_VALUE;
  }

  /** The outcome of a run. */
  public record Result(long seed, Params params, String failure, List<Op> history, Stats stats) {
    public boolean ok() {
      return failure == null;
    }
  }

  /** Counters that show a run did real work. */
  public record Stats(
      long events,
      long committed,
      int leadersElected,
      long okWrites,
      long okReads,
      int crashes,
      int snapshotsInstalled,
      int configChanges,
      int transfers,
      int configChangesUnderPartition,
      int maxVoters) {}

  private final long seed;
  private final boolean unsafeLocalReads;

  /** Membership changes come on their own schedule too, besides the faults' share of them. */
  private final boolean growing;

  private final Random random;
  private final Params params;
  private final RaftConfig config;
  private final CommittedRecord committed = new CommittedRecord();
  private final Map<NodeId, SimNode> nodes = new LinkedHashMap<>();
  private final PriorityQueue<Event> events = new PriorityQueue<>();
  private final Set<Set<NodeId>> cuts = new HashSet<>();
  private final Map<Long, NodeId> leaderOfTerm = new HashMap<>();
  private final TreeMap<Long, Long> committedByLeaderOfTerm = new TreeMap<>();
  private final List<Op> history = new ArrayList<>();
  private final Client[] clients;
  private long now;

  /** With -Dspindle.sim.trace, the last messages delivered are part of a failure's report. */
  private static final int TRACE_LENGTH = 300;

  private final java.util.ArrayDeque<String> trace =
      Boolean.getBoolean("spindle.sim.trace") ? new java.util.ArrayDeque<>() : null;
  private long eventSeq;
  private long eventCount;
  private double dropRate;
  private double duplicateRate;
  private boolean faultsOn = true;
  private long clientsStopAt = Long.MAX_VALUE;
  private String failure;
  private long nextRequestId = 1;
  private int crashes;
  private int snapshotsInstalled;
  private int configChanges;
  private int configChangesUnderPartition;
  private int maxVoters;
  private int transfers;

  private record Event(long time, long seq, Runnable action) implements Comparable<Event> {
    @Override
    public int compareTo(Event o) {
      return time != o.time ? Long.compare(time, o.time) : Long.compare(seq, o.seq);
    }
  }

  /** A client: one operation at a time, retried at the leader it last heard of. */
  private final class Client {
    final int number;
    NodeId leaderGuess;
    int opIndex = -1;
    long deadline;
    int counter;

    Client(int number) {
      this.number = number;
    }
  }

  private record PendingWrite(int client, int opIndex, long term) {}

  private record PendingRead(int client, int opIndex, long index) {}

  private final Map<NodeId, Map<Long, PendingWrite>> pendingWrites = new HashMap<>();
  private final Map<NodeId, Map<Long, PendingRead>> pendingReadIds = new HashMap<>();
  private final Map<NodeId, List<PendingRead>> readsAwaitingApply = new HashMap<>();

  public Simulation(long seed) {
    this(seed, false);
  }

  /**
   * With {@code unsafeLocalReads}, reads are served from whatever replica the client reaches,
   * without ReadIndex: a deliberately broken mode that proves the linearizability check bites.
   */
  Simulation(long seed, boolean unsafeLocalReads) {
    this(seed, unsafeLocalReads, false);
  }

  /** A run of {@link Params#growing()}: one voter and four spares at the start. */
  static Simulation growing(long seed) {
    return new Simulation(seed, false, true);
  }

  private Simulation(long seed, boolean unsafeLocalReads, boolean growing) {
    this.growing = growing;
    this.unsafeLocalReads = unsafeLocalReads;
    this.seed = seed;
    this.random = new Random(seed);
    Params drawn = Params.draw(random);
    this.params = growing ? drawn.growing() : drawn;
    this.config =
        RaftConfig.defaults()
            .withElectionTicks(10, 1)
            .withLeaseRead(params.leaseRead())
            .withLimits(params.maxInflight(), 4096, params.maxMessageBytes(), 64);
    this.dropRate = params.dropRate();
    this.duplicateRate = params.duplicateRate();
    List<Member> voters = new ArrayList<>();
    for (int i = 1; i <= params.voters(); i++) {
      voters.add(Member.of("n" + i, "sim:" + i));
    }
    Configuration initial = new Configuration(voters, List.of());
    int snapshotEvery = params.snapshots() ? 5 + random.nextInt(30) : 0;
    long keep = random.nextInt(4);
    for (int i = 1; i <= params.voters() + params.spares(); i++) {
      NodeId id = NodeId.of("n" + i);
      Configuration start = i <= params.voters() ? initial : Configuration.empty();
      nodes.put(
          id,
          new SimNode(
              id, config, committed, start, params.durableStateMachine(), snapshotEvery, keep));
    }
    clients = new Client[params.clients()];
    for (int c = 0; c < clients.length; c++) {
      clients[c] = new Client(c);
    }
  }

  public Result run() {
    try {
      for (SimNode n : nodes.values()) {
        startNode(n);
      }
      for (Client c : clients) {
        schedule(1 + random.nextInt(50), () -> clientNext(c));
      }
      if (params.faults()) {
        schedule(100 + random.nextInt(200), this::nextFault);
      }
      if (growing) {
        schedule(100 + random.nextInt(200), this::nextMembershipChange);
      }
      runUntil(params.duration());
      if (failure == null) {
        settle();
      }
    } catch (AssertionError | RuntimeException e) {
      if (failure == null) {
        failure = "at time " + now + ": " + e;
        StackTraceElement[] trace = e.getStackTrace();
        for (int i = 0; i < Math.min(8, trace.length); i++) {
          failure += "\n    at " + trace[i];
        }
        if (this.trace != null) {
          failure += "\n  last messages delivered:\n    " + String.join("\n    ", this.trace);
        }
      }
    }
    return new Result(seed, params, failure, completed(history), stats());
  }

  private Stats stats() {
    List<Op> done = completed(history);
    long okWrites = done.stream().filter(o -> o.write() && o.ret() != Op.PENDING).count();
    long okReads = done.stream().filter(o -> !o.write() && o.ret() != Op.PENDING).count();
    return new Stats(
        eventCount,
        committed.maxCommitted(),
        leaderOfTerm.size(),
        okWrites,
        okReads,
        crashes,
        snapshotsInstalled,
        configChanges,
        transfers,
        configChangesUnderPartition,
        maxVoters);
  }

  // ---------------------------------------------------------------------------------------------
  // The event loop.

  private void schedule(long delay, Runnable action) {
    events.add(new Event(now + delay, eventSeq++, action));
  }

  private void runUntil(long end) {
    while (failure == null && !events.isEmpty() && events.peek().time() <= end) {
      Event e = events.poll();
      now = e.time();
      eventCount++;
      e.action().run();
    }
  }

  private void startNode(SimNode n) {
    n.start(random.nextLong());
    long phase = 1 + random.nextInt(TICK);
    int generation = n.restarts;
    schedule(phase, () -> tickLoop(n, generation));
    drive(n);
  }

  private void tickLoop(SimNode n, int generation) {
    if (!n.up || n.restarts != generation) {
      return;
    }
    n.raft.tick();
    drive(n);
    schedule(TICK, () -> tickLoop(n, generation));
  }

  private void drive(SimNode n) {
    n.drive(sink);
    check(n);
  }

  private final SimNode.Sink sink =
      new SimNode.Sink() {
        @Override
        public void send(Message m) {
          transmit(m);
        }

        @Override
        public void applied(SimNode node, Entry e) {
          onApplied(node, e);
        }

        @Override
        public void read(SimNode node, ReadResult r) {
          onReadResult(node, r);
        }

        @Override
        public void check(SimNode node) {
          Simulation.this.check(node);
        }
      };

  private void transmit(Message m) {
    if (random.nextDouble() < dropRate) {
      return;
    }
    int copies = random.nextDouble() < duplicateRate ? 2 : 1;
    for (int i = 0; i < copies; i++) {
      schedule(1 + random.nextInt(params.maxDelay()), () -> deliver(m));
    }
  }

  private void deliver(Message m) {
    SimNode to = nodes.get(m.to());
    if (to == null || !to.up || partitioned(m.from(), m.to())) {
      return;
    }
    if (trace != null) {
      trace.addLast("t=" + now + " " + m);
      if (trace.size() > TRACE_LENGTH) {
        trace.removeFirst();
      }
    }
    if (m instanceof io.spindle.raft.message.InstallSnapshot s && s.done()) {
      snapshotsInstalled++;
    }
    to.raft.step(m);
    drive(to);
  }

  private boolean partitioned(NodeId a, NodeId b) {
    return cuts.contains(Set.of(a, b));
  }

  // ---------------------------------------------------------------------------------------------
  // Invariants, after every event.

  private void check(SimNode n) {
    if (!n.up) {
      return;
    }
    // §5.2 Election Safety: at most one leader per term.
    if (n.raft.role() == Role.LEADER) {
      NodeId previous = leaderOfTerm.putIfAbsent(n.raft.term(), n.id);
      if (previous != null && !previous.equals(n.id)) {
        fail("two leaders in term " + n.raft.term() + ": " + previous + " and " + n.id);
      }
      // §5.4 Leader Completeness: a leader holds every entry committed in earlier terms.
      Map.Entry<Long, Long> earlier = committedByLeaderOfTerm.lowerEntry(n.raft.term());
      if (earlier != null) {
        long c =
            committedByLeaderOfTerm.headMap(n.raft.term()).values().stream()
                .mapToLong(Long::longValue)
                .max()
                .orElse(0);
        if (n.log().lastIndex() < c || n.log().chainHash(c) != committed.hashAt(c)) {
          fail("leader " + n.id + " of term " + n.raft.term() + " lacks committed entry " + c);
        }
      }
      committedByLeaderOfTerm.merge(n.raft.term(), n.raft.commitIndex(), Math::max);
    }
    // Committed entries never differ between nodes (and so state machine safety, §5.4.3).
    String error = committed.record(n.id.value(), n.log(), n.raft.commitIndex());
    if (error != null) {
      fail(error);
    }
    // §5.3 Log Matching: same index and term → identical prefixes.
    for (SimNode other : nodes.values()) {
      if (other != n && other.up) {
        checkLogMatching(n, other);
      }
    }
  }

  private void checkLogMatching(SimNode a, SimNode b) {
    HashedLogStore la = a.log();
    HashedLogStore lb = b.log();
    long floor = Math.max(la.snapshotIndex(), lb.snapshotIndex());
    for (long i = Math.min(la.lastIndex(), lb.lastIndex()); i >= floor && i > 0; i--) {
      if (la.term(i) == lb.term(i)) {
        if (la.chainHash(i) != lb.chainHash(i)) {
          fail("log matching violated between " + a.id + " and " + b.id + " at index " + i);
        }
        return;
      }
    }
  }

  private void fail(String message) {
    throw new AssertionError(message);
  }

  // ---------------------------------------------------------------------------------------------
  // Clients.

  private void clientNext(Client c) {
    if (c.opIndex >= 0 || !faultsOn && now > clientsStopAt) {
      return;
    }
    boolean write = random.nextInt(10) < 6;
    String key = "k" + random.nextInt(params.keys());
    String value = write ? "c" + c.number + "-" + (++c.counter) : null;
    history.add(new Op(c.number, now, Op.PENDING, write, key, value, null));
    c.opIndex = history.size() - 1;
    c.deadline = now + 400;
    int opIndex = c.opIndex;
    schedule(400, () -> clientTimeout(c, opIndex));
    submit(c);
  }

  private void submit(Client c) {
    SimNode target = pickNode(c);
    Op op = history.get(c.opIndex);
    if (target == null || !target.up) {
      finishFailed(c);
      return;
    }
    if (op.write()) {
      ProposeResult r = target.raft.propose(KvStateMachine.put(op.key(), op.value()));
      if (r instanceof ProposeResult.Accepted a) {
        pendingWrites
            .computeIfAbsent(target.id, k -> new HashMap<>())
            .put(a.index(), new PendingWrite(c.number, c.opIndex, a.term()));
      } else {
        if (r instanceof ProposeResult.NotLeader nl) {
          c.leaderGuess = nl.leaderHint().orElse(null);
        }
        finishFailed(c);
      }
    } else if (unsafeLocalReads) {
      finishOk(c.number, c.opIndex, target.stateMachine().get(op.key()));
      return;
    } else {
      long requestId = nextRequestId++;
      pendingReadIds
          .computeIfAbsent(target.id, k -> new HashMap<>())
          .put(requestId, new PendingRead(c.number, c.opIndex, 0));
      target.raft.readIndex(requestId);
    }
    drive(target);
  }

  private SimNode pickNode(Client c) {
    if (c.leaderGuess != null && random.nextInt(4) != 0) {
      return nodes.get(c.leaderGuess);
    }
    List<SimNode> all = new ArrayList<>(nodes.values());
    return all.get(random.nextInt(all.size()));
  }

  private void clientTimeout(Client c, int opIndex) {
    if (c.opIndex != opIndex) {
      return;
    }
    // Unknown outcome: a write may still take effect; a read has none.
    Op op = history.get(opIndex);
    if (!op.write()) {
      history.set(opIndex, null);
    }
    c.opIndex = -1;
    c.leaderGuess = null;
    schedule(1 + random.nextInt(30), () -> clientNext(c));
  }

  /** The operation definitely did not take effect: drop it from the history. */
  private void finishFailed(Client c) {
    history.set(c.opIndex, null);
    c.opIndex = -1;
    schedule(5 + random.nextInt(30), () -> clientNext(c));
  }

  private void finishOk(int client, int opIndex, String output) {
    Client c = clients[client];
    if (c.opIndex != opIndex) {
      return; // timed out before: its outcome stays unknown
    }
    Op op = history.get(opIndex);
    history.set(
        opIndex, new Op(op.client(), op.call(), now, op.write(), op.key(), op.value(), output));
    c.opIndex = -1;
    schedule(1 + random.nextInt(20), () -> clientNext(c));
  }

  private void onApplied(SimNode node, Entry e) {
    // §5.4.3 State Machine Safety: an applied entry is the committed one at its index.
    if (e.index() > committed.maxCommitted()
        || node.log().chainHash(e.index()) != committed.hashAt(e.index())) {
      fail(node.id + " applied entry " + e.index() + " that is not the committed one");
    }
    Map<Long, PendingWrite> writes = pendingWrites.get(node.id);
    if (writes != null) {
      PendingWrite w = writes.remove(e.index());
      if (w != null) {
        if (e.term() == w.term()) {
          finishOk(w.client(), w.opIndex(), null);
        } else if (clients[w.client()].opIndex == w.opIndex()) {
          // Another entry took its index: it was never committed.
          finishFailed(clients[w.client()]);
        }
      }
    }
    List<PendingRead> waiting = readsAwaitingApply.get(node.id);
    if (waiting != null) {
      waiting.removeIf(
          r -> {
            if (r.index() <= node.stateMachine().appliedIndex()) {
              completeRead(node, r);
              return true;
            }
            return false;
          });
    }
  }

  private void onReadResult(SimNode node, ReadResult r) {
    Map<Long, PendingRead> ids = pendingReadIds.get(node.id);
    PendingRead pending = ids == null ? null : ids.remove(r.requestId());
    if (pending == null) {
      return;
    }
    Client c = clients[pending.client()];
    if (!r.ok()) {
      if (c.opIndex == pending.opIndex()) {
        c.leaderGuess = r.leaderHint().orElse(null);
        finishFailed(c);
      }
      return;
    }
    PendingRead ready = new PendingRead(pending.client(), pending.opIndex(), r.index());
    if (r.index() <= node.stateMachine().appliedIndex()) {
      completeRead(node, ready);
    } else {
      readsAwaitingApply.computeIfAbsent(node.id, k -> new ArrayList<>()).add(ready);
    }
  }

  private void completeRead(SimNode node, PendingRead r) {
    Op op = history.get(r.opIndex());
    if (op == null) {
      return;
    }
    finishOk(r.client(), r.opIndex(), node.stateMachine().get(op.key()));
  }

  // ---------------------------------------------------------------------------------------------
  // Faults.

  private void nextFault() {
    if (!faultsOn) {
      return;
    }
    int choice = random.nextInt(12);
    List<SimNode> all = new ArrayList<>(nodes.values());
    SimNode victim = all.get(random.nextInt(all.size()));
    if (choice < 2) {
      partitionRandomly();
    } else if (choice < 4) {
      cuts.clear();
    } else if (choice < 6) {
      if (victim.up && downCount() < (nodes.size() - 1) / 2 + 1) {
        crash(victim);
        schedule(50 + random.nextInt(400), () -> restart(victim));
      }
    } else if (choice < 7) {
      isolateLeader();
    } else if (choice < 8 && params.transfers()) {
      leader()
          .ifPresent(
              l -> {
                List<NodeId> voters = new ArrayList<>(l.raft.configuration().voterIds());
                NodeId target = voters.get(random.nextInt(voters.size()));
                if (l.raft.transferLeadership(target) instanceof ProposeResult.Accepted) {
                  transfers++;
                }
                drive(l);
              });
    } else if (choice < 10 && params.membershipChanges()) {
      changeMembership();
    } else if (choice < 11) {
      dropRate = random.nextInt(2) == 0 ? 0 : random.nextDouble() * 0.2;
    }
    schedule(50 + random.nextInt(300), this::nextFault);
  }

  private void nextMembershipChange() {
    if (!faultsOn) {
      return;
    }
    changeMembership();
    schedule(100 + random.nextInt(250), this::nextMembershipChange);
  }

  private long downCount() {
    return nodes.values().stream().filter(n -> !n.up).count();
  }

  private void crash(SimNode n) {
    n.crash();
    crashes++;
    // Clients waiting on it will never hear back: their writes' outcome is unknown.
    pendingWrites.remove(n.id);
    pendingReadIds.remove(n.id);
    readsAwaitingApply.remove(n.id);
  }

  private void restart(SimNode n) {
    if (!n.up) {
      startNode(n);
    }
  }

  private void partitionRandomly() {
    cuts.clear();
    List<NodeId> ids = new ArrayList<>(nodes.keySet());
    Set<NodeId> side = new HashSet<>();
    for (NodeId id : ids) {
      if (random.nextBoolean()) {
        side.add(id);
      }
    }
    for (NodeId a : side) {
      for (NodeId b : ids) {
        if (!side.contains(b)) {
          cuts.add(Set.of(a, b));
        }
      }
    }
  }

  private void isolateLeader() {
    leader()
        .ifPresent(
            l -> {
              cuts.clear();
              for (NodeId other : nodes.keySet()) {
                if (!other.equals(l.id)) {
                  cuts.add(Set.of(l.id, other));
                }
              }
            });
  }

  private java.util.Optional<SimNode> leader() {
    return nodes.values().stream()
        .filter(n -> n.up && n.raft.role() == Role.LEADER)
        .max((a, b) -> Long.compare(a.raft.term(), b.raft.term()));
  }

  private void changeMembership() {
    leader()
        .ifPresent(
            l -> {
              Configuration c = l.raft.configuration();
              List<NodeId> outsiders = new ArrayList<>();
              for (NodeId id : nodes.keySet()) {
                if (!c.contains(id)) {
                  outsiders.add(id);
                }
              }
              ConfigChange change;
              if (!c.learners().isEmpty() && random.nextBoolean()) {
                change = new ConfigChange.Promote(c.learners().get(0).id());
              } else if (!outsiders.isEmpty() && random.nextBoolean()) {
                NodeId add = outsiders.get(random.nextInt(outsiders.size()));
                change = new ConfigChange.AddLearner(new Member(add, "sim:" + add));
              } else if (c.voters().size() > 3) {
                List<NodeId> voters = new ArrayList<>(c.voterIds());
                voters.remove(l.id);
                change = new ConfigChange.Remove(voters.get(random.nextInt(voters.size())));
              } else {
                return;
              }
              if (l.raft.proposeConfigChange(change) instanceof ProposeResult.Accepted) {
                configChanges++;
                if (!cuts.isEmpty()) {
                  configChangesUnderPartition++;
                }
                maxVoters = Math.max(maxVoters, l.raft.configuration().voters().size());
              }
              drive(l);
            });
  }

  // ---------------------------------------------------------------------------------------------
  // The end: heal, restart, converge.

  private void settle() {
    faultsOn = false;
    // Clients keep going a little while the cluster heals, then stop so that it can settle.
    clientsStopAt = now + 1000;
    cuts.clear();
    dropRate = 0;
    duplicateRate = 0;
    for (SimNode n : nodes.values()) {
      if (!n.up) {
        startNode(n);
      }
    }
    long deadline = now + 6000;
    long lastCheck = now;
    while (failure == null && now < deadline) {
      runUntil(now + 200);
      if (failure == null && converged()) {
        return;
      }
      if (events.isEmpty()) {
        break;
      }
      lastCheck = now;
    }
    if (failure == null && !converged()) {
      fail(
          "no convergence within "
              + (deadline - lastCheck + 6000)
              + " time units after healing: "
              + describe());
    }
  }

  private boolean converged() {
    java.util.Optional<SimNode> leader = leader();
    if (leader.isEmpty()) {
      return false;
    }
    SimNode l = leader.get();
    Configuration c = l.raft.configuration();
    long commit = l.raft.commitIndex();
    if (commit < l.raft.lastIndex()) {
      return false;
    }
    Map<String, String> expected = l.stateMachine().data();
    for (SimNode n : nodes.values()) {
      if (!c.contains(n.id)) {
        continue;
      }
      if (!n.up || n.stateMachine().appliedIndex() != commit) {
        return false;
      }
      if (!n.stateMachine().data().equals(expected)) {
        fail(
            "replicas "
                + l.id
                + " and "
                + n.id
                + " applied "
                + commit
                + " entries but differ: "
                + expected
                + " vs "
                + n.stateMachine().data());
      }
    }
    return true;
  }

  private String describe() {
    StringBuilder sb = new StringBuilder();
    for (SimNode n : nodes.values()) {
      sb.append("\n  ").append(n.id);
      if (!n.up) {
        sb.append(" down");
        continue;
      }
      sb.append(' ')
          .append(n.raft.role())
          .append(" term=")
          .append(n.raft.term())
          .append(" commit=")
          .append(n.raft.commitIndex())
          .append(" applied=")
          .append(n.stateMachine().appliedIndex())
          .append(" last=")
          .append(n.raft.lastIndex())
          .append(" config=")
          .append(n.raft.configuration().voterIds())
          .append('/')
          .append(n.raft.configuration().learners().size())
          .append(" progress=")
          .append(n.raft.progress().values());
    }
    return sb.toString();
  }

  /** The history without dropped (definitely failed) operations. */
  public static List<Op> completed(List<Op> history) {
    List<Op> out = new ArrayList<>();
    for (Op op : history) {
      if (op != null) {
        out.add(op);
      }
    }
    return out;
  }
}
