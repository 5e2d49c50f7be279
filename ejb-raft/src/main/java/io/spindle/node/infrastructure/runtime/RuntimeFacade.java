package io.spindle.node.infrastructure.runtime;

import io.spindle.node.application.NodeCounters;
import io.spindle.node.application.NodeFacade;
import io.spindle.node.application.NodeStatus;
import io.spindle.node.application.QueueDepths;
import io.spindle.node.application.QueueServerStatus;
import io.spindle.protocol.auth.ClientTokens;
import java.net.URI;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import javax.net.ssl.SSLContext;

/** {@link NodeFacade} over the node's runtime singleton and its database migration. */
final class RuntimeFacade implements NodeFacade {
  private final NodeRuntime node;
  private final DatabaseMigration database;

  RuntimeFacade(NodeRuntime node, DatabaseMigration database) {
    this.node = Objects.requireNonNull(node, "node");
    this.database = Objects.requireNonNull(database, "database");
  }

  @Override
  public NodeStatus status() {
    return node.nodeStatus();
  }

  @Override
  public boolean ready() {
    return node.ready();
  }

  @Override
  public Optional<String> joinProgress() {
    return node.joinProgress();
  }

  @Override
  public Optional<Boolean> queueConnected() {
    return node.queueConnected();
  }

  @Override
  public Optional<QueueDepths> queueDepths() {
    return node.queueDepths();
  }

  @Override
  public List<QueueServerStatus> queueServers() {
    return node.queueServers();
  }

  @Override
  public Optional<URI> leaderHttpUrl() {
    return node.leaderHttpUrl();
  }

  @Override
  public URI httpUrl() {
    return node.config().httpUrl();
  }

  @Override
  public long maxFileBytes() {
    return node.maxFileBytes();
  }

  @Override
  public Optional<String> diskWriteProblem() {
    return node.diskSpace().writeProblem();
  }

  @Override
  public NodeCounters counters() {
    NodeStatistics s = node.statistics();
    return new NodeCounters(
        s.proposals(), s.appendedEntries(), s.fsyncs(), node.droppedRaftMessages());
  }

  @Override
  public Optional<String> schemaVersion() {
    return database.schemaVersion();
  }

  @Override
  public int migrationsApplied() {
    return database.migrationsApplied();
  }

  @Override
  public SSLContext httpsContext() {
    return node.httpsContext();
  }

  @Override
  public String nodeToken() {
    return node.nodeToken();
  }

  @Override
  public ClientTokens clientTokens() {
    return node.clientTokens();
  }

  @Override
  public CompletableFuture<String> transferLeadership(Optional<String> target) {
    return node.transferLeadership(target);
  }
}
