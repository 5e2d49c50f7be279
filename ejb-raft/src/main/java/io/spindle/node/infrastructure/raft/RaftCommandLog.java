package io.spindle.node.infrastructure.raft;

import io.spindle.node.application.ClusterUnavailableException;
import io.spindle.node.application.CommandLog;
import io.spindle.node.application.NotLeaderException;
import io.spindle.node.domain.MemberAddress;
import io.spindle.raft.Member;
import io.spindle.raft.NodeId;
import io.spindle.raft.server.Applied;
import io.spindle.raft.server.RaftDriver;
import io.spindle.raft.server.RaftException;
import io.spindle.raft.server.RaftStatus;
import java.net.URI;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * The application's {@link CommandLog} over this node's {@link RaftDriver}: commands are Raft
 * proposals, the read barrier a ReadIndex round, and the driver's failures become the application's
 * {@link NotLeaderException} (with the leader's HTTP URL from its member address) or {@link
 * ClusterUnavailableException} (saying whether the command may have been applied). Thread-safe, as
 * the driver's API is.
 */
public final class RaftCommandLog implements CommandLog {
  private final RaftDriver driver;

  public RaftCommandLog(RaftDriver driver) {
    this.driver = Objects.requireNonNull(driver, "driver");
  }

  @Override
  public CompletableFuture<byte[]> submit(byte[] command) {
    return translated(driver.submit(command).thenApply(Applied::result));
  }

  @Override
  public CompletableFuture<Void> readBarrier() {
    return translated(driver.read(new byte[0]).thenApply(answer -> null));
  }

  @Override
  public CompletableFuture<Long> readIndex() {
    return translated(driver.readIndex());
  }

  @Override
  public boolean isLeader() {
    return driver.status().isLeader();
  }

  @Override
  public NotLeaderException notLeader() {
    return notLeader(driver.status().leader());
  }

  private NotLeaderException notLeader(Optional<NodeId> leader) {
    RaftStatus status = driver.status();
    return new NotLeaderException(leader.flatMap(id -> httpUrl(status, id)));
  }

  private <T> CompletableFuture<T> translated(CompletableFuture<T> future) {
    CompletableFuture<T> out = new CompletableFuture<>();
    future.whenComplete(
        (value, failure) -> {
          if (failure == null) {
            out.complete(value);
          } else {
            out.completeExceptionally(translate(unwrap(failure)));
          }
        });
    return out;
  }

  private RuntimeException translate(Throwable cause) {
    if (cause instanceof io.spindle.raft.server.NotLeaderException notLeader
        && driver.status().running()
        && !driver.status().isLeader()) {
      return notLeader(notLeader.leaderHint().or(() -> driver.status().leader()));
    }
    if (cause instanceof RaftException raft) {
      return new ClusterUnavailableException(
          raft.getMessage()
              + (raft.certainlyNotApplied()
                  ? "; nothing was applied, retry"
                  : "; it may have been applied: retry with the same request id"),
          raft);
    }
    return new ClusterUnavailableException("the request failed: " + cause, cause);
  }

  private static Throwable unwrap(Throwable failure) {
    return failure instanceof CompletionException && failure.getCause() != null
        ? failure.getCause()
        : failure;
  }

  private static Optional<URI> httpUrl(RaftStatus status, NodeId id) {
    return status
        .configuration()
        .member(id)
        .map(Member::address)
        .flatMap(
            address -> {
              try {
                return Optional.of(MemberAddress.parse(address).httpUrl());
              } catch (IllegalArgumentException e) {
                return Optional.empty(); // a member without an http URL (e.g. a bare test node)
              }
            });
  }
}
