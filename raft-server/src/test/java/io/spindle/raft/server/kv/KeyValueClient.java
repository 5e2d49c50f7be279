package io.spindle.raft.server.kv;

import com.google.protobuf.UnsafeByteOperations;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.spindle.protocol.raft.ClientReply;
import io.spindle.protocol.raft.ClientRequest;
import io.spindle.protocol.tls.ClusterTls;
import io.spindle.raft.server.NettyPeerMessenger;
import io.spindle.raft.server.transport.RaftClient;
import io.spindle.raft.server.transport.RaftTransportSettings;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A client of a whole cluster that follows the leader: it sends to the node it believes leads, goes
 * where a {@code NOT_LEADER} reply points, backs off on {@code BUSY}, and moves on to another node
 * when one fails or is unreachable, until the request succeeds or its deadline passes.
 *
 * <p>A write that failed in an unknown state ({@code ERROR}, a broken connection) is sent again, so
 * it may apply twice: fine for the idempotent puts of {@link KeyValueStateMachine}, which is what
 * this client is for.
 *
 * <p><b>Threading:</b> thread-safe; futures complete on a connection's I/O thread or on the
 * client's retry thread, so dependent stages must not block.
 */
public final class KeyValueClient implements AutoCloseable {
  private static final long RETRY_DELAY_MICROS = 2_000;
  private static final long SUSPECT_NANOS = TimeUnit.MILLISECONDS.toNanos(500);

  /** A successful reply and the node (host:port) that gave it. */
  public record Reply(String node, long index, byte[] result) {}

  private final List<String> addresses;
  private final byte[] secret;
  private final Map<String, RaftClient> connections = new ConcurrentHashMap<>();
  private final Map<String, Long> suspectUntil = new ConcurrentHashMap<>();
  private final AtomicLong requestIds = new AtomicLong();
  private final AtomicInteger rotation = new AtomicInteger();
  private final ScheduledExecutorService retries =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "cluster-client-retries");
            t.setDaemon(true);
            return t;
          });
  private volatile String leader;
  private volatile Duration timeout = Duration.ofSeconds(30);
  private volatile Duration attemptTimeout = Duration.ofSeconds(10);
  private final ClusterTls tls;

  /**
   * @param addresses every node's {@code host:port}
   * @param secret the cluster secret
   */
  public KeyValueClient(List<String> addresses, byte[] secret) {
    this(addresses, secret, null);
  }

  /** A client over TLS trusting {@code tls}'s CA (plain text if null). */
  public KeyValueClient(List<String> addresses, byte[] secret, ClusterTls tls) {
    this.tls = tls;
    if (addresses.isEmpty()) {
      throw new IllegalArgumentException("no node addresses");
    }
    addresses.forEach(NettyPeerMessenger::parseAddress);
    this.addresses = List.copyOf(addresses);
    this.secret = secret.clone();
  }

  /** How long a request may keep retrying (default 30 s). */
  public KeyValueClient withTimeout(Duration timeout) {
    this.timeout = timeout;
    return this;
  }

  /** The node last seen leading, if any. */
  public Optional<String> leader() {
    return Optional.ofNullable(leader);
  }

  /** Proposes {@code command} at the leader; completes once it is committed and applied there. */
  public CompletableFuture<Reply> write(byte[] command) {
    return submit(command, false);
  }

  /** A linearizable read at the leader. */
  public CompletableFuture<Reply> read(byte[] query) {
    return submit(query, true);
  }

  /**
   * One linearizable read at a given node, without retries: it succeeds at a follower too (which
   * asks the leader for the read index), once that node has applied everything committed before.
   */
  public CompletableFuture<byte[]> readAt(String address, byte[] query) {
    return sendOnce(address, query, true)
        .thenApply(
            reply -> {
              if (reply.getStatus() != ClientReply.Status.OK) {
                throw new IllegalStateException(
                    address + " answered " + reply.getStatus() + ": " + reply.getError());
              }
              return reply.getResult().toByteArray();
            });
  }

  private CompletableFuture<Reply> submit(byte[] payload, boolean read) {
    CompletableFuture<Reply> result = new CompletableFuture<>();
    long deadline = System.nanoTime() + timeout.toNanos();
    String target = leader;
    attempt(payload, read, target != null ? target : nextNode(null), deadline, result, "none");
    return result;
  }

  private void attempt(
      byte[] payload,
      boolean read,
      String target,
      long deadline,
      CompletableFuture<Reply> result,
      String lastProblem) {
    if (System.nanoTime() - deadline >= 0) {
      result.completeExceptionally(
          new TimeoutException(
              "no node completed the request within "
                  + timeout.toMillis()
                  + " ms; last problem: "
                  + lastProblem));
      return;
    }
    sendOnce(target, payload, read)
        .whenComplete(
            (reply, error) -> {
              if (error != null) {
                suspect(target);
                retry(
                    payload, read, nextNode(target), deadline, result, target + ": " + error, true);
                return;
              }
              switch (reply.getStatus()) {
                case OK -> {
                  if (!read) {
                    leader = target;
                  }
                  result.complete(
                      new Reply(target, reply.getIndex(), reply.getResult().toByteArray()));
                }
                case NOT_LEADER -> {
                  String hint = reply.getLeaderHint();
                  boolean usable =
                      addresses.contains(hint) && !isSuspect(hint) && !hint.equals(target);
                  leader = usable ? hint : null;
                  retry(
                      payload,
                      read,
                      usable ? hint : nextNode(target),
                      deadline,
                      result,
                      target + ": not the leader",
                      !usable);
                }
                case BUSY ->
                    retry(payload, read, target, deadline, result, target + ": busy", true);
                default -> {
                  if (target.equals(leader)) {
                    leader = null;
                  }
                  retry(
                      payload,
                      read,
                      nextNode(target),
                      deadline,
                      result,
                      target + ": " + reply.getError(),
                      true);
                }
              }
            });
  }

  private void retry(
      byte[] payload,
      boolean read,
      String target,
      long deadline,
      CompletableFuture<Reply> result,
      String problem,
      boolean backOff) {
    // Never connect or retry on a connection's I/O thread: hand over to the retry thread.
    retries.schedule(
        () -> attempt(payload, read, target, deadline, result, problem),
        backOff ? RETRY_DELAY_MICROS : 0,
        TimeUnit.MICROSECONDS);
  }

  private CompletableFuture<ClientReply> sendOnce(String address, byte[] payload, boolean read) {
    ClientRequest request =
        ClientRequest.newBuilder()
            .setRequestId(requestIds.incrementAndGet())
            .setCommand(UnsafeByteOperations.unsafeWrap(payload))
            .setRead(read)
            .build();
    try {
      return connection(address)
          .send(request)
          .orTimeout(attemptTimeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  private RaftClient connection(String address) {
    return connections.computeIfAbsent(
        address,
        a ->
            new RaftClient(
                NettyPeerMessenger.parseAddress(a),
                secret,
                RaftTransportSettings.defaults(),
                tls,
                new DefaultThreadFactory("raft-client", true)));
  }

  private void suspect(String address) {
    suspectUntil.put(address, System.nanoTime() + SUSPECT_NANOS);
    if (address.equals(leader)) {
      leader = null;
    }
  }

  private boolean isSuspect(String address) {
    Long until = suspectUntil.get(address);
    return until != null && System.nanoTime() - until < 0;
  }

  /** Another node than {@code current}, preferring ones not recently unreachable. */
  private String nextNode(String current) {
    int n = addresses.size();
    String fallback = null;
    for (int i = 0; i < n; i++) {
      String candidate = addresses.get(Math.floorMod(rotation.getAndIncrement(), n));
      if (candidate.equals(current) && n > 1) {
        continue;
      }
      if (!isSuspect(candidate)) {
        return candidate;
      }
      fallback = candidate;
    }
    return fallback != null ? fallback : addresses.get(0);
  }

  @Override
  public void close() {
    retries.shutdownNow();
    connections.values().forEach(RaftClient::close);
    connections.clear();
  }
}
