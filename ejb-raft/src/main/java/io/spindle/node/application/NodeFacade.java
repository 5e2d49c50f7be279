package io.spindle.node.application;

import io.spindle.protocol.auth.ClientTokens;
import java.net.URI;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import javax.net.ssl.SSLContext;

/**
 * What the node's interfaces — the page, the REST API, health and metrics — may ask of the node
 * besides its services ({@link FileService}, {@link FileCounter}, {@link GlobalPings}): its status,
 * its limits, and what it needs to call another node or check a client. The infrastructure
 * implements it over the node's runtime and makes it injectable.
 *
 * <p><b>Threading:</b> thread-safe; no method blocks on the network or the cluster.
 */
public interface NodeFacade {

  /** The node's latest status: role, term, leader, indexes, members. */
  NodeStatus status();

  /** Whether the node serves clients: it runs, knows a leader and has applied the log. */
  boolean ready();

  /** What a node joining by discovery waits for, while it joins. */
  Optional<String> joinProgress();

  /** Whether it takes work from at least one queue server; empty if it knows of none. */
  Optional<Boolean> queueConnected();

  /** The queues of the first connected queue server as it last told this node, if any. */
  Optional<QueueDepths> queueDepths();

  /** Every queue server the node links to, in the order it learned them, with state and queues. */
  List<QueueServerStatus> queueServers();

  /** The leader's web base URL, when there is a leader and its address carries one. */
  Optional<URI> leaderHttpUrl();

  /** This node's web base URL, as other nodes and clients reach it. */
  URI httpUrl();

  /** The largest file a client may store. */
  long maxFileBytes();

  /** Why a write must be refused now (the data disk is nearly full), if it must. */
  Optional<String> diskWriteProblem();

  /** The node's counters (proposals, appends, fsyncs), as of now. */
  NodeCounters counters();

  /** The version of the node's database schema, once migrated. */
  Optional<String> schemaVersion();

  /** How many migrations the node applied when it started. */
  int migrationsApplied();

  /** The TLS context for calls to other nodes' HTTPS ports. */
  SSLContext httpsContext();

  /** The bearer token one node shows another (forwarded writes, status). */
  String nodeToken();

  /** The clients' tokens, to check who a request comes from. */
  ClientTokens clientTokens();

  /**
   * Hands this node's leadership to the voter {@code target}, or, if it is empty, to the most
   * up-to-date voter heard from recently; completes with the id of the node that leads then (this
   * one's if no voter could take over). Fails with {@link NotLeaderException} if this node does not
   * lead, {@link NotAVoterException} if {@code target} is not a voter, and {@link
   * ClusterUnavailableException} if leadership did not move in time (it may still move).
   */
  CompletableFuture<String> transferLeadership(Optional<String> target);
}
