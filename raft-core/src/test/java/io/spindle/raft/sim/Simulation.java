package io.spindle.raft.sim;

import io.spindle.raft.ConfigChange;
import io.spindle.raft.Configuration;
import io.spindle.raft.Entry;
import io.spindle.raft.Member;
import io.spindle.raft.Mutations;
import io.spindle.raft.NodeId;
import io.spindle.raft.ProposeResult;
import io.spindle.raft.RaftSettings;
import io.spindle.raft.ReadResult;
import io.spindle.raft.Role;
import io.spindle.raft.SnapshotMeta;
import io.spindle.raft.StorageId;
import io.spindle.raft.message.InstallSnapshot;
import io.spindle.raft.message.Message;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;

/**
 * A whole cluster in one thread under a seeded discrete-event simulator, with the faults a real
 * deployment suffers:
 *
 * <ul>
 *   <li>a network that delays, drops, duplicates and reorders messages, partitions symmetrically,
 *       and cuts links one way;
 *   <li>process crashes (kill -9: unsynced writes stay in the page cache), power cuts (unsynced
 *       writes are lost but for a prefix, and the record after it is torn), crashes in the middle
 *       of a multi-step storage operation (a reset, a snapshot install, between the log's sync and
 *       the hard state's save, after a leader sent but before it synced), and wiped disks;
 *   <li>per-node clocks that drift within the configured bound, processes that pause (GC) while
 *       their clock runs on, and ticks the driver drops;
 *   <li>membership changes, also right after elections, readdresses, leadership transfers,
 *       snapshots and paused apply, under client load.
 * </ul>
 *
 * After every event the invariants are checked: §5.2 election safety, §5.3 log matching, §5.4
 * leader completeness, §5.4.3 state machine safety (against what each replica itself applied and
 * each snapshot itself carries, never a prefix taken on trust), that a node never counts more of
 * its log durable than its disk holds, and that every entry a leader commits is on stable storage
 * on a majority of its voters. At the end the network heals, every server restarts, the replicas
 * must converge and the client history must be linearizable.
 *
 * <p>Everything derives from the seed: a failing seed replays exactly.
 */
public final class Simulation {
  /** Simulated time is in µs; a simulated millisecond. */
  static final long MS = 1000;

  /** A deliberately broken mode, for negative controls. */
  enum Mutation {
    NONE,
    /** Reads served from whatever replica the client reaches, without ReadIndex. */
    UNSAFE_LOCAL_READS,
    /** Leaders change membership before committing an entry of their term (§4.1 erratum). */
    CONFIG_CHANGE_BEFORE_TERM_COMMIT
  }

  /** What a run is made of, drawn from the seed. */
  public record Params(
      int voters,
      int spares,
      int clients,
      int keys,
      int durationMs,
      int maxDelayMs,
      double dropRate,
      double duplicateRate,
      boolean faults,
      boolean membershipChanges,
      boolean transfers,
      boolean snapshots,
      boolean durableStateMachine,
      boolean leaseRead,
      int maxInflight,
      long maxMessageBytes,
      int maxDriftPpm) {

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
          r.nextInt(3) == 0,
          1 + r.nextInt(8),
          64L + r.nextInt(400),
          r.nextInt(4) == 0 ? 0 : r.nextInt(RaftSettings.DEFAULT_MAX_CLOCK_DRIFT_PPM + 1));
    }

    /**
     * A cluster that grows from one voter by membership changes (1 → 3 → 5), under the same faults.
     */
    Params growing() {
      return new Params(
          1,
          4,
          clients,
          keys,
          durationMs,
          maxDelayMs,
          dropRate,
          duplicateRate,
          true,
          true,
          transfers,
          snapshots,
          durableStateMachine,
          leaseRead,
          maxInflight,
          maxMessageBytes,
          maxDriftPpm);
    }
  }

  /** One client operation, as a linearizability checker sees it (times in µs). */
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

  /** Counters that show a run did real work, and which faults it suffered. */
  public record Stats(
      long events,
      long committed,
      int leadersElected,
      long okWrites,
      long okReads,
      int processCrashes,
      int powerCuts,
      long lostUnsyncedEntries,
      int tornRecords,
      int interruptedOperations,
      int interruptedInstalls,
      int snapshotsInstalled,
      int configChanges,
      int configChangesAfterElection,
      int configChangesUnderPartition,
      int readdresses,
      int wipes,
      int rejoins,
      int transfers,
      int pauses,
      int oneWayCuts,
      int maxVoters) {}

  private static final long OP_TIMEOUT = 400 * MS;

  private final long seed;
  private final Mutation mutation;

  /** Membership changes come on their own schedule too, besides the faults' share of them. */
  private final boolean growing;

  private final Random random;
  private final Params params;
  private final RaftSettings config;
  private final CommittedRecord committed = new CommittedRecord();
  private final Map<NodeId, SimNode> nodes = new LinkedHashMap<>();
  private final PriorityQueue<Event> events = new PriorityQueue<>();

  /** Links that drop everything, one way each: a symmetric partition cuts both ways. */
  private final Set<Link> cuts = new HashSet<>();

  private final Map<Long, NodeId> leaderOfTerm = new HashMap<>();
  private final TreeMap<Long, Long> committedByLeaderOfTerm = new TreeMap<>();

  /** Per leader: the term it leads in, and the commit index its durability was checked up to. */
  private final Map<NodeId, long[]> durabilityCheckedUpTo = new HashMap<>();

  private final List<Op> history = new ArrayList<>();
  private final Client[] clients;
  private long now;

  /** With -Dspindle.sim.trace, the last messages delivered are part of a failure's report. */
  private static final int TRACE_LENGTH = 300;

  private final ArrayDeque<String> trace =
      Boolean.getBoolean("spindle.sim.trace") ? new ArrayDeque<>() : null;
  private long eventSeq;
  private long eventCount;
  private double dropRate;
  private double duplicateRate;
  private boolean faultsOn = true;
  private long clientsStopAt = Long.MAX_VALUE;
  private String failure;
  private long nextRequestId = 1;
  private long nextStorage;

  /** A node whose disk was wiped, until the cluster took it back under its new storage. */
  private NodeId wipedNode;

  private int processCrashes;
  private int powerCuts;
  private int interruptedOperations;
  private int interruptedInstalls;
  private int snapshotsInstalled;
  private int configChanges;
  private int configChangesAfterElection;
  private int configChangesUnderPartition;
  private int readdresses;
  private int wipes;
  private int rejoins;
  private int maxVoters;
  private int transfers;
  private int pauses;
  private int oneWayCuts;
  private int strandedChanges;

  /** Until when (µs) clients start no new operation. */
  private long quietUntil;

  private record Link(NodeId from, NodeId to) {}

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
    this(seed, Mutation.NONE, false);
  }

  Simulation(long seed, Mutation mutation) {
    this(seed, mutation, false);
  }

  /** A run of {@link Params#growing()}: one voter and four spares at the start. */
  static Simulation growing(long seed) {
    return new Simulation(seed, Mutation.NONE, true);
  }

  static Simulation growing(long seed, Mutation mutation) {
    return new Simulation(seed, mutation, true);
  }

  private Simulation(long seed, Mutation mutation, boolean growing) {
    this.growing = growing;
    this.mutation = mutation;
    this.seed = seed;
    this.random = new Random(seed);
    Params drawn = Params.draw(random);
    this.params = growing ? drawn.growing() : drawn;
    this.config =
        RaftSettings.defaults()
            .withElectionTicks(10, 1)
            .withLeaseRead(params.leaseRead())
            .withLimits(params.maxInflight(), 4096, params.maxMessageBytes(), 64);
    this.dropRate = params.dropRate();
    this.duplicateRate = params.duplicateRate();
    this.nextStorage = (seed << 20) | 1;
    List<Member> voters = new ArrayList<>();
    Map<NodeId, StorageId> storages = new HashMap<>();
    for (int i = 1; i <= params.voters() + params.spares(); i++) {
      NodeId id = NodeId.of("n" + i);
      storages.put(id, newStorage());
      if (i <= params.voters()) {
        voters.add(new Member(id, address(id, 0), storages.get(id)));
      }
    }
    Configuration initial = new Configuration(voters, List.of());
    int snapshotEvery = params.snapshots() ? 5 + random.nextInt(30) : 0;
    long keep = random.nextInt(4);
    for (int i = 1; i <= params.voters() + params.spares(); i++) {
      NodeId id = NodeId.of("n" + i);
      Configuration start = i <= params.voters() ? initial : Configuration.empty();
      int drift =
          params.maxDriftPpm() == 0
              ? 0
              : random.nextInt(2 * params.maxDriftPpm() + 1) - params.maxDriftPpm();
      nodes.put(
          id,
          new SimNode(
              id,
              storages.get(id),
              config,
              start,
              params.durableStateMachine(),
              snapshotEvery,
              keep,
              drift,
              random.nextLong() & 0xFFFFFFFFFFFFL));
    }
    clients = new Client[params.clients()];
    for (int c = 0; c < clients.length; c++) {
      clients[c] = new Client(c);
    }
  }

  private StorageId newStorage() {
    return StorageId.of(nextStorage++);
  }

  private static String address(NodeId id, int generation) {
    return "sim:" + id + (generation == 0 ? "" : "#" + generation);
  }

  public Result run() {
    try {
      for (SimNode n : nodes.values()) {
        startNode(n);
      }
      for (Client c : clients) {
        schedule((1 + random.nextInt(50)) * MS, () -> clientNext(c));
      }
      if (params.faults()) {
        schedule((100 + random.nextInt(200)) * MS, this::nextFault);
        schedule((300 + random.nextInt(700)) * MS, this::nextQuietSpell);
      }
      if (growing) {
        schedule((100 + random.nextInt(200)) * MS, this::nextMembershipChange);
      }
      runUntil(params.durationMs() * MS);
      if (failure == null) {
        settle();
      }
    } catch (AssertionError | RuntimeException e) {
      if (failure == null) {
        failure = "at time " + now / MS + " ms: " + e;
        StackTraceElement[] stack = e.getStackTrace();
        for (int i = 0; i < Math.min(8, stack.length); i++) {
          failure += "\n    at " + stack[i];
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
    long lost = 0;
    int torn = 0;
    for (SimNode n : nodes.values()) {
      lost += n.disk().lostUnsyncedEntries;
      torn += n.disk().tornRecords;
    }
    return new Stats(
        eventCount,
        committed.maxCommitted(),
        leaderOfTerm.size(),
        okWrites,
        okReads,
        processCrashes,
        powerCuts,
        lost + lostOnWipedDisks,
        torn + tornOnWipedDisks,
        interruptedOperations,
        interruptedInstalls,
        snapshotsInstalled,
        configChanges,
        configChangesAfterElection,
        configChangesUnderPartition,
        readdresses,
        wipes,
        rejoins,
        transfers,
        pauses,
        oneWayCuts,
        maxVoters);
  }

  private long lostOnWipedDisks;
  private int tornOnWipedDisks;

  // ---------------------------------------------------------------------------------------------
  // The event loop.

  private void schedule(long delayMicros, Runnable action) {
    events.add(new Event(now + delayMicros, eventSeq++, action));
  }

  private void runUntil(long end) {
    while (failure == null && !events.isEmpty() && events.peek().time() <= end) {
      Event e = events.poll();
      now = e.time();
      eventCount++;
      e.action().run();
    }
  }

  /**
   * Runs {@code action} on node {@code n}: at once, later if the process is paused (what reaches a
   * paused process waits in its socket buffers), never if it is down. A crash armed on its disk
   * stops it right where it fires.
   */
  private void onNode(SimNode n, Runnable action) {
    if (!n.up) {
      return;
    }
    if (n.paused(now)) {
      n.waitingForResume.add(action);
      return;
    }
    try {
      action.run();
    } catch (PowerCut cut) {
      interruptedOperations++;
      if (cut.point == SimDisk.Point.SNAPSHOT_STORED || cut.point == SimDisk.Point.RESET) {
        interruptedInstalls++;
      }
      crash(n, cut.loseUnsynced);
      scheduleRestart(n);
    }
  }

  private void startNode(SimNode n) {
    n.start(random.nextLong(), () -> now);
    mutate(n);
    durabilityCheckedUpTo.remove(n.id);
    long phase = 1 + random.nextInt((int) n.tickMicros());
    int generation = n.restarts;
    schedule(phase, () -> tickLoop(n, generation));
    onNode(n, () -> drive(n));
  }

  private void tickLoop(SimNode n, int generation) {
    if (!n.up || n.restarts != generation) {
      return;
    }
    if (n.paused(now)) {
      // The ticks of a paused process are dropped; its clock runs on.
      schedule(n.pausedUntil - now + n.tickMicros(), () -> tickLoop(n, generation));
      return;
    }
    if (faultsOn && random.nextInt(50) == 0) {
      // The loop stalled a little and dropped this tick.
      schedule(n.tickMicros(), () -> tickLoop(n, generation));
      return;
    }
    onNode(
        n,
        () -> {
          boolean led = n.raft.role() == Role.LEADER;
          n.raft.tick();
          if (!led && n.raft.role() == Role.LEADER) {
            justElected(n);
          }
          drive(n);
        });
    schedule(n.tickMicros(), () -> tickLoop(n, generation));
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
        public void installed(SimNode node, SnapshotMeta meta) {
          onInstalled(node, meta);
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
      long delay = MS + random.nextInt((int) (params.maxDelayMs() * MS));
      schedule(delay, () -> deliver(m));
    }
  }

  private void deliver(Message m) {
    SimNode to = nodes.get(m.to());
    if (to == null || !to.up || cuts.contains(new Link(m.from(), m.to()))) {
      return;
    }
    onNode(
        to,
        () -> {
          if (trace != null) {
            trace.addLast("t=" + now + " " + m);
            if (trace.size() > TRACE_LENGTH) {
              trace.removeFirst();
            }
          }
          if (m instanceof InstallSnapshot install && install.offset() == 0) {
            maybeInterruptInstall(to);
          }
          boolean led = to.raft.role() == Role.LEADER;
          to.raft.step(m);
          if (!led && to.raft.role() == Role.LEADER) {
            justElected(to);
          }
          drive(to);
        });
  }

  // ---------------------------------------------------------------------------------------------
  // Invariants, after every event.

  private void check(SimNode n) {
    if (!n.up) {
      return;
    }
    SimDisk disk = n.disk();
    // §5.2 Election Safety: at most one leader per term.
    if (n.raft.role() == Role.LEADER) {
      long term = n.raft.term();
      NodeId previous = leaderOfTerm.putIfAbsent(term, n.id);
      if (previous != null && !previous.equals(n.id)) {
        fail("two leaders in term " + term + ": " + previous + " and " + n.id);
      }
      if (previous == null) {
        onElected(n, term);
      }
      // §5.4 Leader Completeness: a leader holds every entry committed in earlier terms.
      long c =
          committedByLeaderOfTerm.headMap(term).values().stream()
              .mapToLong(Long::longValue)
              .max()
              .orElse(0);
      if (c > 0
          && c >= disk.snapshotIndex()
          && (disk.lastIndex() < c || disk.chainHash(c) != committed.hashAt(c))) {
        fail("leader " + n.id + " of term " + term + " lacks committed entry " + c);
      }
      committedByLeaderOfTerm.merge(term, n.raft.commitIndex(), Math::max);
      checkCommittedDurably(n);
      noteRejoin(n);
    }
    // Committed entries never differ between nodes (and so state machine safety, §5.4.3).
    String error = committed.record(n.id.value(), disk, n.raft.commitIndex());
    if (error != null) {
      fail(error);
    }
    // §5.1: the core counts as durable only what the disk would keep through a power cut.
    long onDisk = Math.max(disk.durableIndex(), disk.snapshotIndex());
    if (n.raft.durableIndex() > onDisk) {
      fail(
          n.id
              + " counts its log durable up to "
              + n.raft.durableIndex()
              + " but only "
              + onDisk
              + " is synced");
    }
    // §5.3 Log Matching: same index and term → identical prefixes.
    for (SimNode other : nodes.values()) {
      if (other != n && other.up) {
        checkLogMatching(n, other);
      }
    }
  }

  /**
   * §5.3/§5.4.2: an entry is committed once a majority of the voters stored it, so whenever a
   * leader's commit index moves, that entry must be on stable storage on a majority of its voters
   * (a voter wiped since counts as it was: its acknowledgement was durable when it was made).
   */
  private void checkCommittedDurably(SimNode leader) {
    long commit = leader.raft.commitIndex();
    long term = leader.raft.term();
    long[] checked = durabilityCheckedUpTo.get(leader.id);
    if (checked == null || checked[0] != term) {
      // What it committed before it led was committed by others, under their configurations.
      durabilityCheckedUpTo.put(leader.id, new long[] {term, commit});
      return;
    }
    if (commit <= checked[1] || commit < leader.disk().snapshotIndex()) {
      return;
    }
    checked[1] = commit;
    long hash = leader.disk().chainHash(commit);
    Configuration c = leader.raft.configuration();
    int holders = 0;
    List<NodeId> missing = new ArrayList<>();
    for (NodeId voter : c.voterIds()) {
      SimNode v = nodes.get(voter);
      StorageId recorded = c.storageOf(voter);
      boolean replaced = recorded.isKnown() && !recorded.equals(v.disk().storage);
      if (replaced || v.disk().holdsDurably(commit, hash)) {
        holders++;
      } else {
        missing.add(voter);
      }
    }
    if (holders < c.quorum()) {
      fail(
          "leader "
              + leader.id
              + " committed entry "
              + commit
              + " that only "
              + holders
              + " of its voters "
              + c.voterIds()
              + " hold on stable storage (not on "
              + missing
              + ")");
    }
  }

  private void checkLogMatching(SimNode a, SimNode b) {
    SimDisk la = a.disk();
    SimDisk lb = b.disk();
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
    if (now < quietUntil) {
      schedule(quietUntil - now + random.nextInt((int) (20 * MS)), () -> clientNext(c));
      return;
    }
    boolean write = random.nextInt(10) < 6;
    String key = "k" + random.nextInt(params.keys());
    String value = write ? "c" + c.number + "-" + (++c.counter) : null;
    history.add(new Op(c.number, now, Op.PENDING, write, key, value, null));
    c.opIndex = history.size() - 1;
    int opIndex = c.opIndex;
    schedule(OP_TIMEOUT, () -> clientTimeout(c, opIndex));
    submit(c);
  }

  private void submit(Client c) {
    SimNode target = pickNode(c);
    if (target == null || !target.up) {
      finishFailed(c);
      return;
    }
    int opIndex = c.opIndex;
    onNode(target, () -> submitTo(c, opIndex, target));
  }

  private void submitTo(Client c, int opIndex, SimNode target) {
    if (c.opIndex != opIndex) {
      return; // timed out while the node was paused
    }
    Op op = history.get(opIndex);
    if (op.write()) {
      ProposeResult r = target.raft.propose(KvStateMachine.put(op.key(), op.value()));
      if (r instanceof ProposeResult.Accepted a) {
        pendingWrites
            .computeIfAbsent(target.id, k -> new HashMap<>())
            .put(a.index(), new PendingWrite(c.number, opIndex, a.term()));
      } else {
        if (r instanceof ProposeResult.NotLeader nl) {
          c.leaderGuess = nl.leaderHint().orElse(null);
        }
        finishFailed(c);
      }
    } else if (mutation == Mutation.UNSAFE_LOCAL_READS) {
      finishOk(c.number, opIndex, target.stateMachine().get(op.key()));
      return;
    } else {
      long requestId = nextRequestId++;
      pendingReadIds
          .computeIfAbsent(target.id, k -> new HashMap<>())
          .put(requestId, new PendingRead(c.number, opIndex, 0));
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
    schedule((1 + random.nextInt(30)) * MS, () -> clientNext(c));
  }

  /** The operation definitely did not take effect: drop it from the history. */
  private void finishFailed(Client c) {
    history.set(c.opIndex, null);
    c.opIndex = -1;
    schedule((5 + random.nextInt(30)) * MS, () -> clientNext(c));
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
    schedule(thinkTime(), () -> clientNext(c));
  }

  /** Between two operations of a client; now and then it stops for a while. */
  private long thinkTime() {
    return random.nextInt(8) == 0 ? (50 + random.nextInt(400)) * MS : (1 + random.nextInt(20)) * MS;
  }

  /**
   * Load comes in waves: now and then every client stops starting operations for a while, so that
   * the cluster goes quiet and every node learns that all it holds is committed, the moment a new
   * leader may be tempted to change the membership at once (thesis §4.1's erratum).
   */
  private void nextQuietSpell() {
    if (!faultsOn) {
      return;
    }
    quietUntil = now + (50 + random.nextInt(250)) * MS;
    schedule((300 + random.nextInt(700)) * MS, this::nextQuietSpell);
  }

  private void onApplied(SimNode node, Entry e) {
    // §5.4.3 State Machine Safety: what a replica applied is what was committed at that index,
    // judged by the chain of entries the replica itself applied.
    if (e.index() > committed.maxCommitted()
        || node.stateMachine().chain() != committed.hashAt(e.index())) {
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

  private void onInstalled(SimNode node, SnapshotMeta meta) {
    snapshotsInstalled++;
    // A snapshot holds what its taker applied: it must be the committed prefix.
    if (meta.index() > committed.maxCommitted()
        || node.stateMachine().chain() != committed.hashAt(meta.index())) {
      fail(node.id + " installed a snapshot at " + meta.index() + " that is not the committed one");
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
    int choice = random.nextInt(20);
    List<SimNode> all = new ArrayList<>(nodes.values());
    SimNode victim = all.get(random.nextInt(all.size()));
    if (choice < 2) {
      partitionRandomly();
    } else if (choice < 4) {
      cuts.clear();
    } else if (choice < 5) {
      cutOneWay(victim);
    } else if (choice < 7) {
      if (victim.up && downCount() < (nodes.size() - 1) / 2 + 1) {
        crash(victim, false);
        scheduleRestart(victim);
      }
    } else if (choice < 8) {
      if (victim.up && downCount() < (nodes.size() - 1) / 2 + 1) {
        crash(victim, true);
        scheduleRestart(victim);
      }
    } else if (choice < 10) {
      armCrash(victim);
    } else if (choice < 11) {
      isolateLeader();
    } else if (choice < 12) {
      pause(random.nextBoolean() ? leader().orElse(victim) : victim);
    } else if (choice < 13 && params.transfers()) {
      leader().ifPresent(this::transfer);
    } else if (choice < 15 && params.membershipChanges()) {
      leader().ifPresent(l -> onNode(l, () -> changeMembership(l)));
    } else if (choice < 16 && params.membershipChanges()) {
      leader().ifPresent(l -> onNode(l, () -> readdress(l)));
    } else if (choice < 17) {
      maybeWipe(victim);
    } else if (choice < 18) {
      pauseApply(victim);
    } else if (choice < 19) {
      dropRate = random.nextInt(2) == 0 ? 0 : random.nextDouble() * 0.2;
    }
    schedule((50 + random.nextInt(300)) * MS, this::nextFault);
  }

  private void nextMembershipChange() {
    if (!faultsOn) {
      return;
    }
    leader().ifPresent(l -> onNode(l, () -> changeMembership(l)));
    schedule((100 + random.nextInt(250)) * MS, this::nextMembershipChange);
  }

  private long downCount() {
    return nodes.values().stream().filter(n -> !n.up).count();
  }

  private void crash(SimNode n, boolean powerCut) {
    if (powerCut) {
      n.powerCut(random);
      powerCuts++;
    } else {
      n.processCrash();
      processCrashes++;
    }
    // Clients waiting on it will never hear back: their writes' outcome is unknown.
    pendingWrites.remove(n.id);
    pendingReadIds.remove(n.id);
    readsAwaitingApply.remove(n.id);
  }

  private void scheduleRestart(SimNode n) {
    schedule((50 + random.nextInt(400)) * MS, () -> restart(n));
  }

  private void restart(SimNode n) {
    if (!n.up) {
      startNode(n);
    }
  }

  /**
   * A snapshot install is a multi-step operation on disk (store the snapshot, then reset or compact
   * the log behind it): now and then a crash is armed right between those steps.
   */
  private void maybeInterruptInstall(SimNode n) {
    if (faultsOn && !n.disk().armed() && random.nextInt(4) == 0) {
      SimDisk.Point point =
          random.nextBoolean() ? SimDisk.Point.SNAPSHOT_STORED : SimDisk.Point.RESET;
      n.disk().arm(point, 1, random.nextBoolean());
    }
  }

  /** Arms a crash in the middle of one of the node's next storage steps. */
  private void armCrash(SimNode n) {
    if (!n.up || n.disk().armed()) {
      return;
    }
    SimDisk.Point[] points = SimDisk.Point.values();
    SimDisk.Point point = points[random.nextInt(points.length)];
    n.disk().arm(point, 1 + random.nextInt(3), random.nextBoolean());
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
          cuts.add(new Link(a, b));
          cuts.add(new Link(b, a));
        }
      }
    }
  }

  /** Cuts links one way: all that {@code n} sends, all it receives, or a single link. */
  private void cutOneWay(SimNode n) {
    oneWayCuts++;
    int kind = random.nextInt(3);
    for (NodeId other : nodes.keySet()) {
      if (other.equals(n.id)) {
        continue;
      }
      if (kind == 0) {
        cuts.add(new Link(n.id, other));
      } else if (kind == 1) {
        cuts.add(new Link(other, n.id));
      } else {
        cuts.add(new Link(n.id, other));
        return;
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
                  cuts.add(new Link(l.id, other));
                  cuts.add(new Link(other, l.id));
                }
              }
            });
  }

  /** The process stops (GC, a stall) while its clock runs on; what reaches it waits. */
  private void pause(SimNode n) {
    if (!n.up || n.paused(now)) {
      return;
    }
    pauses++;
    long length = (20 + random.nextInt(400)) * MS;
    n.pausedUntil = now + length;
    int generation = n.restarts;
    schedule(length, () -> resume(n, generation));
  }

  private void resume(SimNode n, int generation) {
    if (!n.up || n.restarts != generation || n.paused(now)) {
      return;
    }
    List<Runnable> waiting = new ArrayList<>(n.waitingForResume);
    n.waitingForResume.clear();
    for (Runnable r : waiting) {
      onNode(n, r);
    }
  }

  private void pauseApply(SimNode n) {
    if (!n.up) {
      return;
    }
    int generation = n.restarts;
    onNode(n, () -> n.raft.pauseApply(true));
    schedule(
        (20 + random.nextInt(300)) * MS,
        () -> {
          if (n.up && n.restarts == generation) {
            onNode(
                n,
                () -> {
                  n.raft.pauseApply(false);
                  drive(n);
                });
          }
        });
  }

  private void transfer(SimNode l) {
    onNode(
        l,
        () -> {
          List<NodeId> voters = new ArrayList<>(l.raft.configuration().voterIds());
          NodeId target = voters.get(random.nextInt(voters.size()));
          if (l.raft.transferLeadership(target) instanceof ProposeResult.Accepted) {
            transfers++;
          }
          drive(l);
        });
  }

  /**
   * A disk is wiped: the node restarts empty, with a new storage identity, as a node that waits to
   * be added. Only while a majority of every voter set keeps its disk (one wipe at a time, never
   * the last intact majority), as a real operator's runbook would demand.
   */
  private void maybeWipe(SimNode victim) {
    Optional<SimNode> l = leader();
    if (wipedNode != null || l.isEmpty() || downCount() > 0 || !victim.up) {
      return;
    }
    Configuration c = l.get().raft.configuration();
    if (!c.contains(victim.id) || l.get().raft.commitIndex() < l.get().raft.configurationIndex()) {
      return;
    }
    for (SimNode n : nodes.values()) {
      if (c.contains(n.id) && !n.raft.configuration().equals(c)) {
        return; // a member might still count under another configuration
      }
    }
    // A learner may be promoted before the leader hears from its new disk: count it as a voter.
    int votersAfter = c.voters().size() + (c.isVoter(victim.id) ? 0 : 1);
    int intact = 0;
    for (NodeId v : c.voterIds()) {
      if (!v.equals(victim.id) && c.storageOf(v).equals(nodes.get(v).disk().storage)) {
        intact++;
      }
    }
    if (!c.storageOf(victim.id).isKnown() || intact < votersAfter / 2 + 1) {
      return;
    }
    wipes++;
    lostOnWipedDisks += victim.disk().lostUnsyncedEntries;
    tornOnWipedDisks += victim.disk().tornRecords;
    crash(victim, false);
    victim.wipe(newStorage());
    wipedNode = victim.id;
    scheduleRestart(victim);
  }

  private Optional<SimNode> leader() {
    return nodes.values().stream()
        .filter(n -> n.up && n.raft.role() == Role.LEADER)
        .max((a, b) -> Long.compare(a.raft.term(), b.raft.term()));
  }

  /**
   * A node has just won an election, before anything of its term went out: in runs with membership
   * changes, it sometimes proposes one at this very moment, as a membership service that runs on
   * whoever leads may (the case thesis §4.1's erratum is about).
   */
  private void justElected(SimNode l) {
    if ((params.membershipChanges() || growing) && faultsOn && random.nextBoolean()) {
      if (changeMembership(l, false) instanceof ProposeResult.Accepted) {
        configChangesAfterElection++;
      }
    }
  }

  /** A new leader: in most runs with membership changes, it tries one within a few ticks. */
  private void onElected(SimNode l, long term) {
    if (!(params.membershipChanges() || growing) || !faultsOn || random.nextInt(5) < 2) {
      return;
    }
    schedule(random.nextInt((int) (2 * l.tickMicros())), () -> changeAfterElection(l, term, 6));
  }

  private void changeAfterElection(SimNode l, long term, int attempts) {
    if (!faultsOn || !l.up || l.raft == null || l.raft.role() != Role.LEADER) {
      return;
    }
    if (l.raft.term() != term) {
      return;
    }
    onNode(
        l,
        () -> {
          ProposeResult r = changeMembership(l);
          if (r instanceof ProposeResult.Accepted) {
            configChangesAfterElection++;
          } else if (r instanceof ProposeResult.Rejected && attempts > 1) {
            schedule(l.tickMicros(), () -> changeAfterElection(l, term, attempts - 1));
          }
        });
  }

  private ProposeResult changeMembership(SimNode l) {
    return changeMembership(l, true);
  }

  private ProposeResult changeMembership(SimNode l, boolean driveAfter) {
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
      // Half the time as discovery adds a node (its storage unknown until it answers).
      StorageId storage = random.nextBoolean() ? nodes.get(add).disk().storage : StorageId.UNKNOWN;
      change = new ConfigChange.AddLearner(new Member(add, address(add, 0), storage));
    } else if (c.voters().size() > 3) {
      List<NodeId> voters = new ArrayList<>(c.voterIds());
      voters.remove(l.id);
      change = new ConfigChange.Remove(voters.get(random.nextInt(voters.size())));
    } else {
      return new ProposeResult.Rejected("nothing to change");
    }
    ProposeResult r = l.raft.proposeConfigChange(change);
    if (r instanceof ProposeResult.Accepted) {
      configChanges++;
      if (!cuts.isEmpty()) {
        configChangesUnderPartition++;
      }
      maxVoters = Math.max(maxVoters, l.raft.configuration().voters().size());
      if (faultsOn && random.nextInt(3) < (growing ? 2 : 1)) {
        strandConfigurationChange(l, change);
      }
    }
    if (driveAfter) {
      drive(l);
    }
    return r;
  }

  /**
   * The membership nemesis: right after a leader appends a configuration change, it is cut off from
   * all but one other node, so that the change reaches a minority at most: the learner it promotes,
   * or another voter of the new configuration. Two such changes from successive leaders are what
   * single-server changes must keep from committing apart (thesis §4.1 and its erratum); random
   * partitions alone almost never produce them.
   */
  private void strandConfigurationChange(SimNode l, ConfigChange change) {
    NodeId kept;
    if (change instanceof ConfigChange.Promote p) {
      kept = p.id();
    } else {
      List<NodeId> candidates = new ArrayList<>(l.raft.configuration().voterIds());
      candidates.remove(l.id);
      if (candidates.isEmpty()) {
        candidates.addAll(nodes.keySet());
        candidates.remove(l.id);
      }
      kept = candidates.get(random.nextInt(candidates.size()));
    }
    cuts.clear();
    for (NodeId other : nodes.keySet()) {
      if (!other.equals(l.id) && !other.equals(kept)) {
        cuts.add(new Link(l.id, other));
        cuts.add(new Link(other, l.id));
      }
    }
    strandedChanges++;
  }

  private void readdress(SimNode l) {
    List<Member> others = new ArrayList<>(l.raft.configuration().all());
    others.removeIf(m -> m.id().equals(l.id));
    if (others.isEmpty()) {
      return;
    }
    Member m = others.get(random.nextInt(others.size()));
    Member moved = m.withAddress(address(m.id(), 1 + random.nextInt(1000)));
    if (l.raft.proposeConfigChange(new ConfigChange.Readdress(moved))
        instanceof ProposeResult.Accepted) {
      readdresses++;
    }
    drive(l);
  }

  /** Counts the wiped node as taken back once a leader's configuration names its new storage. */
  private void noteRejoin(SimNode l) {
    if (wipedNode == null) {
      return;
    }
    Configuration c = l.raft.configuration();
    SimNode w = nodes.get(wipedNode);
    if (!c.contains(wipedNode) || c.storageOf(wipedNode).equals(w.disk().storage)) {
      if (c.contains(wipedNode)) {
        rejoins++;
      }
      wipedNode = null;
    }
  }

  // ---------------------------------------------------------------------------------------------
  // The end: heal, restart, converge.

  private void settle() {
    faultsOn = false;
    // Clients keep going a little while the cluster heals, then stop so that it can settle.
    clientsStopAt = now + 1000 * MS;
    cuts.clear();
    dropRate = 0;
    duplicateRate = 0;
    for (SimNode n : nodes.values()) {
      n.disk().arm(null, 0, false);
      if (!n.up) {
        startNode(n);
      } else if (n.paused(now)) {
        n.pausedUntil = now;
        int generation = n.restarts;
        schedule(0, () -> resume(n, generation));
      }
    }
    long deadline = now + 6000 * MS;
    while (failure == null && now < deadline) {
      runUntil(now + 200 * MS);
      if (failure == null && converged()) {
        leader().ifPresent(this::noteRejoin);
        return;
      }
      if (events.isEmpty()) {
        break;
      }
    }
    if (failure == null && !converged()) {
      fail("no convergence within 6000 ms after healing: " + describe());
    }
  }

  private boolean converged() {
    Optional<SimNode> leader = leader();
    if (leader.isEmpty()) {
      return false;
    }
    SimNode l = leader.get();
    Configuration c = l.raft.configuration();
    long commit = l.raft.commitIndex();
    if (commit < l.raft.lastIndex() || l.stateMachine().appliedIndex() != commit) {
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
          .append(" storage=")
          .append(n.disk().storage)
          .append(" config=")
          .append(n.raft.configuration())
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

  /** Applies this run's mutation to a node the moment it starts. */
  void mutate(SimNode n) {
    if (mutation == Mutation.CONFIG_CHANGE_BEFORE_TERM_COMMIT) {
      Mutations.allowConfigChangeBeforeTermCommit(n.raft);
    }
  }
}
