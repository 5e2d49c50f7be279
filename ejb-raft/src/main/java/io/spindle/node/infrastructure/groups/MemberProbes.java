package io.spindle.node.infrastructure.groups;

import io.spindle.node.domain.group.MemberSpec;
import io.spindle.node.domain.group.Probe;
import io.spindle.protocol.node.GroupMemberRecord;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.AsynchronousSocketChannel;
import java.nio.channels.CompletionHandler;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs the leader's probes of members, asynchronously: an HTTP GET that must answer 2xx or 3xx (no
 * redirect followed), or a TCP connect that must succeed, each within the probe timeout. At most
 * {@value #MAX_IN_FLIGHT} run at once; a probe that cannot start waits for the next sweep (it is
 * not a failure).
 *
 * <p><b>Threading:</b> thread-safe; completes its futures on the HTTP client's or the channel's
 * threads.
 */
final class MemberProbes implements AutoCloseable {
  static final int MAX_IN_FLIGHT = 64;

  private final HttpClient http;
  private final ScheduledExecutorService timer;
  private final Duration timeout;
  private final AtomicInteger inFlight = new AtomicInteger();

  MemberProbes(Duration timeout, ExecutorService executor, ScheduledExecutorService timer) {
    this.timeout = timeout;
    this.timer = timer;
    this.http =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(timeout)
            .followRedirects(HttpClient.Redirect.NEVER)
            .executor(executor)
            .build();
  }

  /** How many more probes may start now. */
  int room() {
    return Math.max(0, MAX_IN_FLIGHT - inFlight.get());
  }

  /** Probes {@code member}; completes with whether it answered (never exceptionally). */
  CompletableFuture<Boolean> probe(GroupMemberRecord member) {
    inFlight.incrementAndGet();
    CompletableFuture<Boolean> result;
    try {
      MemberSpec spec =
          new MemberSpec(
              member.getAddress(),
              Duration.ofMillis(member.getTtlMs()),
              java.util.Map.of(),
              Probe.of(member.getProbe()));
      result = spec.probe() == Probe.HTTP ? httpProbe(spec) : tcpProbe(spec);
    } catch (RuntimeException e) {
      result = CompletableFuture.completedFuture(false);
    }
    return result
        .exceptionally(failure -> false)
        .whenComplete((answered, failure) -> inFlight.decrementAndGet());
  }

  private CompletableFuture<Boolean> httpProbe(MemberSpec spec) {
    HttpRequest request =
        HttpRequest.newBuilder(spec.httpProbeUri())
            .timeout(timeout)
            .header("User-Agent", "spindle-group-probe")
            .GET()
            .build();
    return http.sendAsync(request, HttpResponse.BodyHandlers.discarding())
        .thenApply(response -> response.statusCode() >= 200 && response.statusCode() < 400);
  }

  private CompletableFuture<Boolean> tcpProbe(MemberSpec spec) {
    CompletableFuture<Boolean> result = new CompletableFuture<>();
    InetSocketAddress unresolved = spec.socketAddress();
    AsynchronousSocketChannel channel;
    try {
      channel = AsynchronousSocketChannel.open();
    } catch (IOException e) {
      return CompletableFuture.completedFuture(false);
    }
    var timeoutTask =
        timer.schedule(() -> result.complete(false), timeout.toMillis(), TimeUnit.MILLISECONDS);
    result.whenComplete(
        (answered, failure) -> {
          timeoutTask.cancel(false);
          try {
            channel.close();
          } catch (IOException ignored) {
            // closing a probe's socket: nothing to do about it
          }
        });
    try {
      channel.connect(
          new InetSocketAddress(unresolved.getHostString(), unresolved.getPort()),
          null,
          new CompletionHandler<Void, Void>() {
            @Override
            public void completed(Void v, Void attachment) {
              result.complete(true);
            }

            @Override
            public void failed(Throwable e, Void attachment) {
              result.complete(false);
            }
          });
    } catch (RuntimeException e) {
      result.complete(false); // unresolved host, unsupported address
    }
    return result;
  }

  @Override
  public void close() {
    // The HTTP client stops with its executor, which the owner shuts down.
  }
}
