package io.spindle.raft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.spindle.raft.message.AppendEntriesResponse;
import io.spindle.raft.message.Message;
import io.spindle.raft.message.RequestVote;
import io.spindle.raft.message.RequestVoteResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One {@link RaftNode} over a {@link MemoryLogStore} and a {@link MemorySnapshotStore}, driven the
 * way the {@link Ready} contract says a driver must: sync the log and persist the hard state when
 * {@code mustSync}, then send, install a snapshot, apply, advance.
 *
 * <p>On the way it checks the promises the contract exists for, so that every test checks them: a
 * changed hard state comes with {@code mustSync}; no message leaves carrying a term, a vote or an
 * acknowledgement that is not yet durable (§5.1, Figure 2 "persistent state ... updated on stable
 * storage before responding to RPCs"); committed entries arrive in order, without gaps. It keeps
 * what it saw (messages, applied entries, read results, installed snapshots) for tests to assert
 * on.
 */
final class NodeHarness {
  private static final int MAX_READIES_PER_DRAIN = 1_000;

  final NodeId id;
  final StorageId storage;
  final RaftSettings config;
  final Configuration initialConfiguration;
  final MemorySnapshotStore snapshots = new MemorySnapshotStore();
  RecordingLogStore log;
  RaftNode node;

  /** The hard state as the driver last persisted it. */
  HardState persisted;

  /** The state machine: the entries applied so far, and the index it has applied up to. */
  final List<Entry> applied = new ArrayList<>();

  long lastApplied;
  final List<SnapshotMeta> installed = new ArrayList<>();
  final List<ReadResult> reads = new ArrayList<>();

  /** Every Ready handled, oldest first. */
  final List<Ready> readies = new ArrayList<>();

  /** The node's monotonic clock: {@link #tick} moves it on by one tick period. */
  long clockNanos = 1_000_000_000L;

  private final List<Message> outbox = new ArrayList<>();
  private long seed;

  private NodeHarness(
      String id,
      RaftSettings config,
      Configuration members,
      HardState hardState,
      List<Entry> entries,
      long seed) {
    this(id, storageOf(id), config, members, hardState, entries, seed);
  }

  private NodeHarness(
      String id,
      StorageId storage,
      RaftSettings config,
      Configuration members,
      HardState hardState,
      List<Entry> entries,
      long seed) {
    this.id = NodeId.of(id);
    this.storage = storage;
    this.config = config;
    this.initialConfiguration = members;
    this.persisted = hardState;
    this.seed = seed;
    MemoryLogStore memory = new MemoryLogStore();
    memory.append(entries);
    memory.sync();
    this.log = new RecordingLogStore(memory);
    start();
  }

  private NodeHarness(String id, RaftSettings config, Configuration members, MemoryLogStore log) {
    this.id = NodeId.of(id);
    this.storage = storageOf(id);
    this.config = config;
    this.initialConfiguration = members;
    this.persisted = HardState.INITIAL;
    this.seed = seedOf(id);
    this.log = new RecordingLogStore(log);
    start();
  }

  /**
   * A node started over {@code log} as it is, durable or not: what a process killed between append
   * and sync leaves (the entries intact in the page cache, not yet on disk).
   */
  static NodeHarness over(
      String id, RaftSettings config, Configuration members, MemoryLogStore log) {
    return new NodeHarness(id, config, members, log);
  }

  /** A new node, member of a new cluster of {@code voters}, with an empty log. */
  static NodeHarness create(String id, RaftSettings config, String... voters) {
    return new NodeHarness(id, config, voters(voters), HardState.INITIAL, List.of(), seedOf(id));
  }

  /** A node that already has a term, a vote and a (durable) log. */
  static NodeHarness withLog(
      String id,
      RaftSettings config,
      Configuration members,
      HardState hardState,
      Entry... entries) {
    return new NodeHarness(id, config, members, hardState, List.of(entries), seedOf(id));
  }

  /** A new node with its own election-timeout seed. */
  static NodeHarness seeded(String id, RaftSettings config, long seed, String... voters) {
    return new NodeHarness(id, config, voters(voters), HardState.INITIAL, List.of(), seed);
  }

  /**
   * A node that lost its disk: a new storage identity, an empty log, no term or vote, no
   * configuration (it starts as one that waits to be added, as a wiped node does).
   */
  static NodeHarness wiped(String id, RaftSettings config) {
    return new NodeHarness(
        id,
        StorageId.of(storageOf(id).value() + 0x1000),
        config,
        Configuration.empty(),
        HardState.INITIAL,
        List.of(),
        seedOf(id) + 1);
  }

  /** A node that is in no configuration yet: it waits for a leader to add it. */
  static NodeHarness joining(String id, RaftSettings config) {
    return new NodeHarness(
        id, config, Configuration.empty(), HardState.INITIAL, List.of(), seedOf(id));
  }

  private static long seedOf(String id) {
    return id.hashCode();
  }

  private void start() {
    node =
        new RaftNode(
            id,
            storage,
            config,
            log,
            snapshots,
            RandomSource.seeded(seed),
            () -> clockNanos,
            persisted,
            initialConfiguration,
            lastApplied);
  }

  /**
   * Crashes the node and starts it again from what was durable: the synced log prefix, the
   * persisted hard state and the snapshots. The state machine is durable too (it keeps its applied
   * index). Unsent messages are lost.
   */
  void restart() {
    log = new RecordingLogStore(log.memory.durableCopy());
    outbox.clear();
    seed++;
    start();
  }

  /** Like {@link #restart()}, but the state machine lost everything (its database was wiped). */
  void restartWithEmptyStateMachine() {
    applied.clear();
    installed.clear();
    lastApplied = 0;
    restart();
  }

  // ---------------------------------------------------------------------------------------------
  // The driver.

  /** Does the work of one Ready in the order of its contract and returns it. */
  Ready handleReady() {
    Ready ready = node.ready();
    readies.add(ready);
    if (ready.hardState() != null) {
      assertTrue(ready.mustSync(), id + ": a changed hard state must come with mustSync: " + ready);
    }
    // 1. Persist.
    if (ready.mustSync()) {
      log.sync();
      if (ready.hardState() != null) {
        persisted = ready.hardState();
      }
    }
    // 2. Send: nothing may claim more than is now durable.
    for (Message m : ready.messages()) {
      checkDurableBeforeSent(m);
    }
    outbox.addAll(ready.messages());
    // 3. Install a snapshot.
    if (ready.snapshot() != null) {
      installed.add(ready.snapshot());
      lastApplied = ready.snapshot().index();
    }
    // 4. Apply, then hand out reads.
    for (Entry e : ready.committedEntries()) {
      assertEquals(lastApplied + 1, e.index(), id + ": committed entries come in order, no gaps");
      lastApplied = e.index();
      applied.add(e);
    }
    reads.addAll(ready.readResults());
    // 5. Advance.
    node.advance(ready);
    return ready;
  }

  /** Handles Readys until there is none; returns the messages they carried, oldest first. */
  List<Message> drain() {
    int handled = 0;
    while (node.hasReady()) {
      if (++handled > MAX_READIES_PER_DRAIN) {
        fail(id + ": hasReady() stayed true after " + MAX_READIES_PER_DRAIN + " Readys");
      }
      handleReady();
    }
    return takeOutbox();
  }

  /** The messages sent since the last call. */
  List<Message> takeOutbox() {
    List<Message> out = new ArrayList<>(outbox);
    outbox.clear();
    return out;
  }

  /** Feeds a message, then drains: returns what the node sent in answer. */
  List<Message> stepAndDrain(Message m) {
    node.step(m);
    return drain();
  }

  /** One tick of the node, one tick period of its clock. */
  void tick() {
    clockNanos += config.tickNanos();
    node.tick();
  }

  /** Ticks until the node leaves the follower role; returns the ticks it took. */
  int tickUntilCampaign() {
    int limit = 2 * config.electionTicks() + 1;
    for (int t = 1; t <= limit; t++) {
      tick();
      Role role = node.role();
      if (role == Role.PRE_CANDIDATE || role == Role.CANDIDATE || role == Role.LEADER) {
        return t;
      }
    }
    return fail(id + " did not campaign within " + limit + " ticks");
  }

  /** The entries in the log (after its compaction point), in order. */
  List<Entry> logEntries() {
    if (log.lastIndex() == log.snapshotIndex()) {
      return List.of();
    }
    return log.entries(log.snapshotIndex() + 1, log.lastIndex(), Long.MAX_VALUE);
  }

  /**
   * Takes a snapshot of the state machine at the applied index, as a driver would: stores it, then
   * tells the core, which compacts the log keeping {@code keepEntries} behind it.
   */
  SnapshotMeta takeSnapshot(byte[] data, long keepEntries) {
    long index = lastApplied;
    SnapshotMeta meta =
        new SnapshotMeta(index, log.term(index), node.configurationAt(index), data.length);
    snapshots.save(meta, data);
    node.snapshotTaken(meta, keepEntries);
    return meta;
  }

  private void checkDurableBeforeSent(Message m) {
    boolean carriesCampaignTerm =
        (m instanceof RequestVote v && v.preVote())
            || (m instanceof RequestVoteResponse r && r.preVote() && r.granted());
    if (!carriesCampaignTerm) {
      assertTrue(
          m.term() <= persisted.term(),
          id + " sent a message of term " + m.term() + " before persisting it: " + m);
    }
    // A vote of the current durable term must be the durable vote (one vote per term, §5.2).
    if (m instanceof RequestVote v && !v.preVote() && v.term() == persisted.term()) {
      assertEquals(
          id, persisted.votedFor(), id + " asked for votes before persisting its own: " + m);
    }
    if (m instanceof RequestVoteResponse r
        && !r.preVote()
        && r.granted()
        && r.term() == persisted.term()) {
      assertEquals(r.to(), persisted.votedFor(), id + " granted a vote before persisting it: " + m);
    }
    if (m instanceof AppendEntriesResponse r && r.success()) {
      assertTrue(
          r.matchIndex() <= log.memory.durableIndex(),
          id
              + " acknowledged up to "
              + r.matchIndex()
              + " with only "
              + log.memory.durableIndex()
              + " durable: "
              + m);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Helpers for tests.

  static NodeId nid(String id) {
    return NodeId.of(id);
  }

  /**
   * Member {@code id} at its test address, answering from its storage: test clusters record every
   * member's storage, as clusters founded by this version do.
   */
  static Member member(String id) {
    return new Member(nid(id), id + ".spindle.test:7000", storageOf(id));
  }

  /** The storage identity of node {@code id} as the harness creates it (never unknown). */
  static StorageId storageOf(String id) {
    return StorageId.of(((long) id.hashCode() << 8) | 1);
  }

  static Configuration voters(String... ids) {
    return Configuration.ofVoters(
        Arrays.stream(ids).map(NodeHarness::member).toArray(Member[]::new));
  }

  /** A command entry whose data names its index, so logs compare by eye. */
  static Entry entry(long index, long term) {
    return Entry.command(index, term, ("cmd" + index).getBytes(StandardCharsets.UTF_8));
  }

  static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /** Filters messages by type (and, by convention, keeps their order). */
  static <T extends Message> List<T> only(Class<T> type, List<? extends Message> messages) {
    List<T> out = new ArrayList<>();
    for (Message m : messages) {
      if (type.isInstance(m)) {
        out.add(type.cast(m));
      }
    }
    return out;
  }

  /** Messages of {@code type} addressed to {@code to}. */
  static <T extends Message> List<T> only(
      Class<T> type, String to, List<? extends Message> messages) {
    List<T> out = new ArrayList<>();
    for (T m : only(type, messages)) {
      if (m.to().equals(nid(to))) {
        out.add(m);
      }
    }
    return out;
  }

  /** A {@link LogStore} over a {@link MemoryLogStore} that counts appends and syncs. */
  static final class RecordingLogStore extends ForwardingLogStore {
    final MemoryLogStore memory;
    int appendCalls;
    int syncCalls;

    RecordingLogStore(MemoryLogStore memory) {
      super(memory);
      this.memory = memory;
    }

    @Override
    public void append(List<Entry> entries) {
      appendCalls++;
      super.append(entries);
    }

    @Override
    public void sync() {
      syncCalls++;
      super.sync();
    }
  }
}
