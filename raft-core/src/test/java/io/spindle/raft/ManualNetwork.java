package io.spindle.raft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import io.spindle.raft.message.Message;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * A network between a few {@link NodeHarness}es that a test drives by hand: what the nodes send is
 * queued, and delivered in order, one message at a time, when the test says so. Tests isolate nodes
 * and drop messages by rule; nothing happens by itself (no clock, no randomness), so a scenario
 * reads as a sequence of steps.
 */
final class ManualNetwork {
  private static final int MAX_DELIVERIES = 100_000;

  private final Map<NodeId, NodeHarness> nodes = new LinkedHashMap<>();
  private final ArrayDeque<Message> queue = new ArrayDeque<>();
  private final Set<NodeId> isolated = new HashSet<>();
  private final List<Predicate<Message>> dropRules = new ArrayList<>();

  /** Messages delivered, and dropped, oldest first. */
  final List<Message> delivered = new ArrayList<>();

  final List<Message> dropped = new ArrayList<>();

  private Consumer<Message> afterDelivery = m -> {};

  ManualNetwork(NodeHarness... harnesses) {
    for (NodeHarness h : harnesses) {
      add(h);
    }
  }

  /** A new cluster of {@code ids}, all voters, with empty logs. */
  static ManualNetwork ofVoters(RaftSettings config, String... ids) {
    ManualNetwork net = new ManualNetwork();
    for (String id : ids) {
      net.add(NodeHarness.create(id, config, ids));
    }
    if (config.leaseRead()) {
      net.passStartupLease(config);
    }
    return net;
  }

  /**
   * With lease reads, a node that just started refuses votes for an election timeout (it may have
   * acknowledged a leader's lease before a restart). Let that time pass on every node, discarding
   * what they send meanwhile, as if the cluster had been up for a while without a leader.
   */
  void passStartupLease(RaftSettings config) {
    for (NodeHarness h : nodes.values()) {
      for (int i = 0; i < config.electionTicks(); i++) {
        h.tick();
      }
      h.drain();
    }
  }

  void add(NodeHarness h) {
    nodes.put(h.id, h);
  }

  NodeHarness node(String id) {
    NodeHarness h = nodes.get(NodeId.of(id));
    if (h == null) {
      throw new IllegalArgumentException("no node " + id + " in this network");
    }
    return h;
  }

  RaftNode raft(String id) {
    return node(id).node;
  }

  /** Drops every message to or from {@code id} until {@link #heal()}. */
  void isolate(String id) {
    isolated.add(NodeId.of(id));
  }

  /** Reconnects every node and forgets the drop rules. */
  void heal() {
    isolated.clear();
    dropRules.clear();
  }

  /** Drops the messages that match {@code rule} until {@link #heal()}. */
  void drop(Predicate<Message> rule) {
    dropRules.add(rule);
  }

  /** Drops the first message that matches {@code rule}, once. */
  void dropOnce(Predicate<Message> rule) {
    boolean[] used = {false};
    dropRules.add(
        m -> {
          if (!used[0] && rule.test(m)) {
            used[0] = true;
            return true;
          }
          return false;
        });
  }

  /** Called after each message delivered, once its receiver has handled its Readys. */
  void afterDelivery(Consumer<Message> hook) {
    this.afterDelivery = hook;
  }

  /** Runs every node's Readys and queues the messages they carry. */
  void collect() {
    for (NodeHarness h : nodes.values()) {
      queue.addAll(h.drain());
    }
  }

  /** The messages sent but not yet delivered, oldest first. */
  List<Message> queued() {
    collect();
    return new ArrayList<>(queue);
  }

  /** Forgets the messages sent but not yet delivered (they are lost). */
  void clearQueue() {
    collect();
    dropped.addAll(queue);
    queue.clear();
  }

  /** Delivers queued messages, and those they cause, until nothing is left to deliver. */
  void stabilize() {
    collect();
    int deliveries = 0;
    while (!queue.isEmpty()) {
      if (++deliveries > MAX_DELIVERIES) {
        fail("the network did not settle within " + MAX_DELIVERIES + " messages");
      }
      deliver(queue.poll());
    }
  }

  /** Delivers queued messages matching {@code which}, and nothing else; returns how many. */
  int deliverOnly(Predicate<Message> which) {
    collect();
    List<Message> keep = new ArrayList<>();
    List<Message> now = new ArrayList<>();
    for (Message m : queue) {
      (which.test(m) ? now : keep).add(m);
    }
    queue.clear();
    queue.addAll(keep);
    for (Message m : now) {
      deliver(m);
    }
    return now.size();
  }

  private void deliver(Message m) {
    NodeHarness to = nodes.get(m.to());
    if (to == null || isolated.contains(m.to()) || isolated.contains(m.from()) || dropped(m)) {
      dropped.add(m);
      return;
    }
    to.node.step(m);
    delivered.add(m);
    collect();
    afterDelivery.accept(m);
  }

  private boolean dropped(Message m) {
    boolean drop = false;
    for (Predicate<Message> rule : dropRules) {
      // Every rule sees every message, so that a one-shot rule fires on the first match only.
      drop |= rule.test(m);
    }
    return drop;
  }

  /** Ticks {@code id} {@code times} times, delivering everything after each tick. */
  void tick(String id, int times) {
    for (int i = 0; i < times; i++) {
      node(id).tick();
      stabilize();
    }
  }

  /** Ticks every node {@code times} times, delivering everything after each round. */
  void tickAll(int times) {
    for (int i = 0; i < times; i++) {
      for (NodeHarness h : nodes.values()) {
        h.tick();
      }
      stabilize();
    }
  }

  /**
   * Makes {@code id} the leader the honest way: ticks only it until it campaigns, then delivers the
   * election and the first round of replication.
   */
  NodeHarness elect(String id) {
    NodeHarness h = node(id);
    h.tickUntilCampaign();
    stabilize();
    assertEquals(Role.LEADER, h.node.role(), id + " should have won the election");
    return h;
  }

  /** Messages of {@code type} delivered so far, oldest first. */
  <T extends Message> List<T> delivered(Class<T> type) {
    return NodeHarness.only(type, delivered);
  }
}
