package io.spindle.node.application;

import io.spindle.node.domain.FileInfo;
import io.spindle.node.domain.FileName;
import io.spindle.node.domain.MemberAddress;
import io.spindle.node.infrastructure.raft.RaftCommandLog;
import io.spindle.node.infrastructure.store.FileStoreStateMachine;
import io.spindle.node.infrastructure.store.StoreSettings;
import io.spindle.node.infrastructure.store.StoredFiles;
import io.spindle.node.infrastructure.store.TestDatabase;
import io.spindle.raft.Configuration;
import io.spindle.raft.Member;
import io.spindle.raft.NodeId;
import io.spindle.raft.message.Message;
import io.spindle.raft.server.MemoryRaftStorage;
import io.spindle.raft.server.PeerMessenger;
import io.spindle.raft.server.RaftDriver;
import io.spindle.raft.server.RaftNodeSettings;
import io.spindle.raft.server.RaftStatus;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;

/**
 * Three {@link RaftDriver}s in one JVM on an in-memory network and memory log storage, each with
 * its own database ({@link TestDatabase}), {@link FileStoreStateMachine} and {@link
 * RaftFileService}. Members carry {@link MemberAddress}es with made-up http URLs.
 */
final class FileCluster implements AutoCloseable {
  static final RaftFileService.Settings SERVICE =
      new RaftFileService.Settings(1 << 20, 4, Duration.ofSeconds(20));

  final class Node {
    final NodeId id;
    final URI httpUrl;
    final TestDatabase database;
    final FileStoreStateMachine stateMachine;
    final RaftDriver driver;
    final RaftFileService service;

    Node(NodeId id, URI httpUrl, TestDatabase database, List<Member> members) {
      this.id = id;
      this.httpUrl = httpUrl;
      this.database = database;
      this.stateMachine = database.stateMachine(StoreSettings.defaults());
      this.driver =
          RaftDriver.start(
              tuning.apply(RaftNodeSettings.defaults(id, members)),
              new MemoryRaftStorage(),
              stateMachine,
              new Messenger(),
              r -> {
                Thread t = new Thread(r, "driver-" + id);
                t.setDaemon(true);
                return t;
              });
      this.service =
          new RaftFileService(
              new RaftCommandLog(driver),
              new StoredFiles(stateMachine),
              SERVICE,
              Clock.systemUTC());
    }

    RaftStatus status() {
      return driver.status();
    }
  }

  private final class Messenger implements PeerMessenger {
    @Override
    public void send(Message message) {
      for (Node node : nodes) {
        if (node.id.equals(message.to())) {
          node.driver.deliver(message);
        }
      }
    }

    @Override
    public void updatePeers(Configuration configuration) {}
  }

  private final List<Node> nodes = new CopyOnWriteArrayList<>();
  private final List<Member> members = new ArrayList<>();
  private final TestDatabase.Kind kind;
  private final UnaryOperator<RaftNodeSettings> tuning;

  FileCluster(TestDatabase.Kind kind, int size) {
    this(kind, size, UnaryOperator.identity());
  }

  FileCluster(TestDatabase.Kind kind, int size, UnaryOperator<RaftNodeSettings> tuning) {
    this.kind = kind;
    this.tuning = tuning;
    for (int i = 1; i <= size; i++) {
      members.add(
          new Member(
              NodeId.of("n" + i),
              new MemberAddress(
                      "127.0.0.1:" + (7000 + i), URI.create("http://127.0.0.1:" + (3000 + i)))
                  .encode()));
    }
    try {
      for (int i = 1; i <= size; i++) {
        nodes.add(
            new Node(
                NodeId.of("n" + i),
                URI.create("http://127.0.0.1:" + (3000 + i)),
                TestDatabase.create(kind),
                members));
      }
    } catch (RuntimeException e) {
      close();
      throw e;
    }
  }

  /**
   * Loses a node's disk and database, as a replaced machine would: its driver stops, its schema is
   * dropped, and it restarts with the same id on empty log storage and a fresh, migrated schema.
   */
  Node wipe(Node node) {
    node.driver.halt();
    node.database.close();
    Node fresh = new Node(node.id, node.httpUrl, TestDatabase.create(kind), members);
    nodes.set(nodes.indexOf(node), fresh);
    return fresh;
  }

  List<Node> nodes() {
    return nodes;
  }

  /** Waits until one node leads and every node follows it in the same term. */
  Node leader() {
    Node[] found = new Node[1];
    await(
        Duration.ofSeconds(10),
        "one leader that every node follows",
        () -> {
          Optional<Node> leader = nodes.stream().filter(n -> n.status().isLeader()).findFirst();
          if (leader.isEmpty()) {
            return false;
          }
          RaftStatus ls = leader.get().status();
          boolean agreed =
              nodes.stream()
                  .allMatch(
                      n ->
                          n.status().term() == ls.term()
                              && n.status().leader().equals(Optional.of(ls.id())));
          found[0] = leader.get();
          return agreed;
        });
    return found[0];
  }

  List<Node> followers() {
    Node leader = leader();
    return nodes.stream().filter(n -> n != leader).collect(Collectors.toList());
  }

  /** Waits until every node has applied everything the leader has. */
  void awaitConverged() {
    await(
        Duration.ofSeconds(10),
        "every node applied the leader's log",
        () -> {
          long applied = leader().status().appliedIndex();
          return applied == leader().status().commitIndex()
              && nodes.stream().allMatch(n -> n.status().appliedIndex() == applied);
        });
  }

  /**
   * Waits until every node has applied the leader's log and holds the same rows, and returns their
   * digest. Polls: a leadership change (its no-op entry) may move the applied index meanwhile.
   */
  String awaitIdentical() {
    String[] digests = new String[nodes.size()];
    try {
      await(
          Duration.ofSeconds(15),
          "every node holds the same rows",
          () -> {
            awaitConverged();
            for (int i = 0; i < digests.length; i++) {
              digests[i] = digest(nodes.get(i));
            }
            return Arrays.stream(digests).distinct().count() == 1;
          });
    } catch (AssertionError e) {
      throw new AssertionError(e.getMessage() + ": " + Arrays.toString(digests), e);
    }
    return digests[0];
  }

  private static String digest(Node node) {
    try {
      return node.database.digest();
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  static void await(Duration timeout, String what, BooleanSupplier condition) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - deadline >= 0) {
        throw new AssertionError(
            "timed out after " + timeout.toMillis() + " ms waiting until " + what);
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
    }
  }

  /**
   * Puts through whichever node leads, retrying with the same request id while leadership moves:
   * the state machine's dedup makes the retry safe.
   */
  FileInfo put(FileName name, byte[] content) throws IOException {
    return put(name, content, UUID.randomUUID().toString());
  }

  FileInfo put(FileName name, byte[] content, String requestId) throws IOException {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (true) {
      try {
        return leader()
            .service
            .put(name, new ByteArrayInputStream(content), content.length, requestId);
      } catch (NotLeaderException | ClusterUnavailableException e) {
        if (System.nanoTime() - deadline >= 0) {
          throw new AssertionError("could not put " + name + " in 30 s", e);
        }
      }
    }
  }

  @Override
  public void close() {
    for (Node node : nodes) {
      node.driver.halt();
    }
    RuntimeException failure = null;
    for (Node node : nodes) {
      try {
        node.database.close();
      } catch (RuntimeException e) {
        failure = e;
      }
    }
    if (failure != null) {
      throw failure;
    }
  }
}
