package io.spindle.cli;

import io.spindle.protocol.queue.ErrorCode;
import io.spindle.protocol.queue.QueueError;
import io.spindle.protocol.queue.Reply;
import io.spindle.protocol.queue.Request;
import io.spindle.protocol.tls.ClusterTls;
import io.spindle.queue.client.QueueConnection;
import io.spindle.queue.client.ServerAddress;
import io.spindle.queue.client.TokenRefusedException;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeoutException;

/**
 * The cluster, through whichever of its queue servers answers: connects to the first reachable
 * server of the list, and when a server dies or stops answering, moves on to the next one and
 * retries with the same request id, so a retried request still has one effect. BUSY and UNAVAILABLE
 * answers are retried after the delay the server asks for. All within a retry budget; then the
 * failure is reported with exit status 4.
 *
 * <p>Not thread-safe: one command uses it from one thread (its connection is thread-safe).
 */
final class ClusterClient implements AutoCloseable {
  /** One try of an operation on one connection. */
  interface Attempt<T> {
    T run(QueueConnection connection) throws IOException, TimeoutException;
  }

  /** Thrown by an attempt to be retried after a delay, perhaps on another server. */
  static final class RetryException extends RuntimeException {
    final long afterMillis;
    final boolean otherServer;

    RetryException(String message, long afterMillis, boolean otherServer) {
      super(message);
      this.afterMillis = afterMillis;
      this.otherServer = otherServer;
    }
  }

  private final List<ServerAddress> servers;
  private final Duration timeout;
  private final Duration retryFor;
  private final String token;
  private final ClusterTls tls;
  private QueueConnection current;
  private int next;
  private ServerAddress lastAnswered;

  /**
   * @param tls TLS trusting the cluster's CA, or null for plain text (a server on loopback started
   *     with --plaintext)
   */
  ClusterClient(
      List<ServerAddress> servers,
      Duration timeout,
      Duration retryFor,
      String token,
      ClusterTls tls) {
    this.servers = List.copyOf(servers);
    this.timeout = timeout;
    this.retryFor = retryFor;
    this.token = token;
    this.tls = tls;
  }

  /** The client token, for the nodes' HTTP API too (chunk downloads). */
  String token() {
    return token;
  }

  /** TLS trusting the cluster's CA, or null for plain text. */
  ClusterTls tls() {
    return tls;
  }

  Duration timeout() {
    return timeout;
  }

  static String newRequestId() {
    return UUID.randomUUID().toString();
  }

  /** The open connection, or a new one to the next reachable server. */
  QueueConnection connection() throws IOException {
    if (current != null && current.isOpen()) {
      return current;
    }
    List<String> problems = new ArrayList<>();
    for (int i = 0; i < servers.size(); i++) {
      ServerAddress s = servers.get((next + i) % servers.size());
      try {
        current = QueueConnection.open(s, timeout, token, tls);
        next = (next + i) % servers.size();
        return current;
      } catch (TokenRefusedException e) {
        throw new CliException(ExitCode.DENIED, s + " refused this client: " + tokenProblem(e));
      } catch (IOException e) {
        problems.add(s + ": " + describe(e));
      }
    }
    throw new IOException("no queue server reachable (" + String.join("; ", problems) + ")");
  }

  /**
   * {@code n} new connections for many requests in flight (a benchmark), spread round-robin over
   * the reachable servers, starting with the preferred one; the caller closes them.
   */
  List<QueueConnection> openPool(int n) throws IOException {
    List<QueueConnection> pool = new ArrayList<>();
    List<String> problems = new ArrayList<>();
    boolean[] unreachable = new boolean[servers.size()];
    try {
      for (int i = 0; pool.size() < n; i++) {
        int k = (next + i) % servers.size();
        if (unreachable[k]) {
          if (problems.size() == servers.size()) {
            throw new IOException(
                "no queue server reachable (" + String.join("; ", problems) + ")");
          }
          continue;
        }
        try {
          pool.add(QueueConnection.open(servers.get(k), timeout, token, tls));
        } catch (TokenRefusedException e) {
          throw new CliException(
              ExitCode.DENIED, servers.get(k) + " refused this client: " + tokenProblem(e));
        } catch (IOException e) {
          unreachable[k] = true;
          problems.add(servers.get(k) + ": " + describe(e));
        }
      }
      return pool;
    } catch (IOException | RuntimeException e) {
      pool.forEach(QueueConnection::close);
      throw e;
    }
  }

  /** Drops the connection; the next one goes to the next server in the list. */
  void abandon(QueueConnection c) {
    c.close();
    if (c == current) {
      current = null;
      next = (next + 1) % servers.size();
    }
  }

  /**
   * Sends a one-answer request until it gets a final answer; errors become {@link CliException}.
   */
  Reply call(Request request, String what) {
    return call(request, what, timeout, false);
  }

  /**
   * As {@link #call(Request, String)}, but waits up to {@code wait} for each answer (a request the
   * cluster may work on for longer than --timeout, such as a ping that walks other clusters), and
   * with {@code unavailableIsFinal} takes an UNAVAILABLE answer as the final one instead of
   * retrying it (a ping to another cluster: the answer is that the cluster did not answer).
   */
  Reply call(Request request, String what, Duration wait, boolean unavailableIsFinal) {
    return retrying(
        what,
        c -> {
          try (QueueConnection.Replies replies = c.send(request)) {
            Reply reply = replies.next(wait);
            if (unavailableIsFinal
                && reply.hasError()
                && reply.getError().getCode() == ErrorCode.UNAVAILABLE) {
              throw failure(reply.getError(), what);
            }
            Reply checked = check(reply, what);
            lastAnswered = c.address();
            return checked;
          }
        });
  }

  /** The queue server that gave the last answer to {@link #call}, or null before the first. */
  ServerAddress lastAnswered() {
    return lastAnswered;
  }

  /** Runs {@code attempt} until it succeeds, failing over and backing off within the budget. */
  <T> T retrying(String what, Attempt<T> attempt) {
    long deadline = System.nanoTime() + retryFor.toNanos();
    long backoff = 100;
    int unavailableHere = 0;
    while (true) {
      QueueConnection c = null;
      String problem;
      long wait;
      try {
        c = connection();
        return attempt.run(c);
      } catch (IOException e) {
        problem = describe(e);
        if (c != null) {
          abandon(c);
          wait = 0;
        } else {
          wait = backoff;
          backoff = Math.min(2_000, backoff * 2);
        }
      } catch (TimeoutException e) {
        problem = e.getMessage();
        abandon(c);
        wait = 0;
      } catch (RetryException e) {
        problem = e.getMessage();
        // UNAVAILABLE: once more here (a leader may be being elected), then the next server (this
        // one may be cut off from the nodes). A server shutting down closes the connection too.
        unavailableHere = e.otherServer ? unavailableHere + 1 : 0;
        if (unavailableHere >= 2 && servers.size() > 1) {
          abandon(c);
          unavailableHere = 0;
        }
        wait = Math.max(50, e.afterMillis);
      }
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        throw new CliException(
            ExitCode.UNAVAILABLE,
            what + " failed: " + problem + " (retried for " + retryFor.toSeconds() + " s)");
      }
      sleep(Math.min(wait, left / 1_000_000));
    }
  }

  /**
   * A final answer, or why not: BUSY and UNAVAILABLE become retries; other errors a {@link
   * CliException} with the matching exit status.
   */
  static Reply check(Reply reply, String what) {
    if (!reply.hasError()) {
      return reply;
    }
    QueueError e = reply.getError();
    switch (e.getCode()) {
      case BUSY -> throw new RetryException(e.getMessage(), e.getRetryAfterMs(), false);
      case UNAVAILABLE -> throw new RetryException(e.getMessage(), e.getRetryAfterMs(), true);
      default -> throw failure(e, what);
    }
  }

  static CliException failure(QueueError e, String what) {
    int exit =
        switch (e.getCode()) {
          case NOT_FOUND -> ExitCode.NOT_FOUND;
          case INVALID_ARGUMENT -> ExitCode.USAGE;
          case BUSY, UNAVAILABLE, NO_SPACE -> ExitCode.UNAVAILABLE;
          case PERMISSION_DENIED -> ExitCode.DENIED;
          default -> ExitCode.OTHER;
        };
    String code = e.getCode() == ErrorCode.UNRECOGNIZED ? "error" : e.getCode().name();
    return new CliException(exit, what + ": " + e.getMessage() + " [" + code + "]");
  }

  /** The server's reason, as said of this client. */
  private static String tokenProblem(IOException e) {
    return e.getMessage().replaceFirst("^refused: this side ", "it ");
  }

  private static String describe(Exception e) {
    String m = e.getMessage();
    return m == null ? e.getClass().getSimpleName() : m;
  }

  private static void sleep(long millis) {
    if (millis <= 0) {
      return;
    }
    try {
      Thread.sleep(millis); // a retry delay the server asked for, not a wait for state
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CliException(ExitCode.OTHER, "interrupted");
    }
  }

  @Override
  public void close() {
    if (current != null) {
      current.close();
    }
  }
}
