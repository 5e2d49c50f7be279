package io.spindle.cli;

import io.spindle.protocol.queue.ErrorCode;
import io.spindle.protocol.queue.QueueError;
import io.spindle.protocol.queue.Reply;
import io.spindle.protocol.queue.Request;
import io.spindle.protocol.queue.Welcome;
import io.spindle.protocol.tls.ClusterTls;
import io.spindle.queue.client.QueueConnection;
import io.spindle.queue.client.ServerAddress;
import io.spindle.queue.client.TokenRefusedException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * The cluster, through whichever of its queue servers answers: connects to the first reachable
 * server of the list, and when a server dies or stops answering, moves on to the next one and
 * retries with the same request id, so a retried request still has one effect. BUSY and UNAVAILABLE
 * answers are retried after the delay the server asks for. All within a retry budget; then the
 * failure is reported with exit status 4.
 *
 * <p>The list grows by the queue servers each Welcome names (up to {@value #MAX_SERVERS} in all),
 * so a client given one server learns the others of its cluster. Failover is quick: a connection is
 * given up after {@link #CONNECT_TIMEOUT} (a dead server on a live host refuses at once), and each
 * move to another server is said in one line (to the notice sink: the CLI's standard error), once
 * per server until it answers again.
 *
 * <p>Not thread-safe: one command uses it from one thread (its connection is thread-safe), except
 * {@link #cancel}, which any thread may call.
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

  /** Thrown by a call once {@link #cancel} was called: the user interrupted the command. */
  static final class CancelledException extends RuntimeException {
    CancelledException() {
      super("interrupted");
    }
  }

  /** The most queue servers the client keeps: the ones it was given, then ones Welcomes name. */
  static final int MAX_SERVERS = 16;

  /** How long a TCP connection to a queue server may take (at most --timeout). */
  static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(2);

  /** How long its TLS handshake and hello may take (at most --timeout): a cold JVM is slow. */
  static final Duration HELLO_TIMEOUT = Duration.ofSeconds(10);

  private final List<ServerAddress> servers;
  private final Duration timeout;
  private final Duration retryFor;
  private final String token;
  private final ClusterTls tls;
  private final Consumer<String> notices;
  // Servers a notice said were unreachable; said again only after they answered once more.
  private final Set<ServerAddress> announcedDown = new HashSet<>();
  // Read by cancel(), from another thread.
  private volatile QueueConnection current;
  private volatile boolean cancelled;
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
    this(servers, timeout, retryFor, token, tls, notice -> {});
  }

  /**
   * @param notices takes a sentence for the user each time the client gives up on a queue server
   *     and moves on (the CLI prints it on standard error); called on the caller's thread
   */
  ClusterClient(
      List<ServerAddress> servers,
      Duration timeout,
      Duration retryFor,
      String token,
      ClusterTls tls,
      Consumer<String> notices) {
    this.servers = new ArrayList<>(new LinkedHashSet<>(servers));
    this.timeout = timeout;
    this.retryFor = retryFor;
    this.token = token;
    this.tls = tls;
    this.notices = notices;
  }

  /** The queue servers known now: the ones given, then the ones Welcomes named. */
  List<ServerAddress> servers() {
    return List.copyOf(servers);
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
    int n = servers.size();
    for (int i = 0; i < n; i++) {
      int k = (next + i) % n;
      ServerAddress s = servers.get(k);
      try {
        current = open(s);
        next = k;
        return current;
      } catch (IOException e) {
        String why = reason(s, e);
        problems.add(s + ": " + why);
        if (i + 1 < n) {
          movingOn(s, "is unreachable (" + why + ")", servers.get((k + 1) % n));
        } else if (n == 1 && !retryFor.isZero()) {
          movingOn(s, "is unreachable (" + why + ")", null);
        }
      }
    }
    throw new IOException("no queue server reachable (" + String.join("; ", problems) + ")");
  }

  /** A new connection to {@code s}; the servers its Welcome names join the list. */
  private QueueConnection open(ServerAddress s) throws IOException {
    try {
      QueueConnection c =
          QueueConnection.open(
              s, min(CONNECT_TIMEOUT, timeout), min(HELLO_TIMEOUT, timeout), token, tls);
      announcedDown.remove(s);
      learn(c.welcome());
      return c;
    } catch (TokenRefusedException e) {
      throw new CliException(ExitCode.DENIED, s + " refused this client: " + tokenProblem(e));
    }
  }

  /**
   * Adds the queue servers a Welcome names after the server itself (which the client knows by the
   * name it dialled) to the end of the list, up to {@link #MAX_SERVERS}; names that do not parse
   * are skipped.
   */
  private void learn(Welcome welcome) {
    List<String> named = welcome.getQueueServersList();
    for (int i = 1; i < named.size() && servers.size() < MAX_SERVERS; i++) {
      try {
        ServerAddress a = ServerAddress.parse(named.get(i));
        if (!servers.contains(a)) {
          servers.add(a);
        }
      } catch (IllegalArgumentException e) {
        // not host:port: the server passes on what its nodes report; nothing to dial
      }
    }
  }

  /**
   * Says, once until {@code from} answers again, that the client gives up on it and why, and where
   * it goes next ({@code to}; null: the same server again, while the retry budget lasts).
   */
  private void movingOn(ServerAddress from, String what, ServerAddress to) {
    if (!announcedDown.add(from)) {
      return;
    }
    notices.accept(
        "queue server "
            + from
            + " "
            + what
            + "; "
            + (to == null || to.equals(from)
                ? "retrying it for up to " + retryFor.toSeconds() + " s"
                : "trying " + to));
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
          pool.add(
              QueueConnection.open(
                  servers.get(k),
                  min(CONNECT_TIMEOUT, timeout),
                  min(HELLO_TIMEOUT, timeout),
                  token,
                  tls));
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

  /** Drops a connection that failed, saying so and where the next try goes. */
  private void failedOver(QueueConnection c, String why) {
    abandon(c);
    movingOn(c.address(), why, servers.get(next));
  }

  /**
   * Asks queue server {@code s} alone, once (over the current connection if it is to {@code s},
   * else over a new one closed afterwards), and returns its answer, whatever it is: for a view of
   * every server ({@code spindle status}). The servers its Welcome names join the list.
   *
   * @throws IOException {@code s} is unreachable, or its connection broke (the message says why)
   * @throws TimeoutException it did not answer within {@code wait}
   */
  Reply askOnly(ServerAddress s, Request request, Duration wait)
      throws IOException, TimeoutException {
    if (current != null && current.isOpen() && current.address().equals(s)) {
      try (QueueConnection.Replies replies = current.send(request)) {
        return replies.next(wait);
      }
    }
    try (QueueConnection c = open(s);
        QueueConnection.Replies replies = c.send(request)) {
      return replies.next(wait);
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

  /**
   * Ends the call under way, and every later one, with {@link CancelledException}: its connection
   * is closed, so a call waiting for an answer returns at once. Any thread (a signal handler's).
   */
  void cancel() {
    cancelled = true;
    QueueConnection c = current;
    if (c != null) {
      c.close();
    }
  }

  private void checkCancelled() {
    if (cancelled) {
      throw new CancelledException();
    }
  }

  /** Runs {@code attempt} until it succeeds, failing over and backing off within the budget. */
  <T> T retrying(String what, Attempt<T> attempt) {
    long deadline = System.nanoTime() + retryFor.toNanos();
    long backoff = 100;
    int unavailableHere = 0;
    while (true) {
      checkCancelled();
      QueueConnection c = null;
      String problem;
      long wait;
      try {
        c = connection();
        return attempt.run(c);
      } catch (IOException e) {
        checkCancelled();
        problem = describe(e);
        if (c != null) {
          failedOver(c, "went away (" + reason(c.address(), e) + ")");
          wait = 0;
        } else {
          wait = backoff;
          backoff = Math.min(2_000, backoff * 2);
        }
      } catch (TimeoutException e) {
        problem = e.getMessage();
        failedOver(c, "did not answer in " + timeout.toSeconds() + " s");
        wait = 0;
      } catch (RetryException e) {
        problem = e.getMessage();
        // UNAVAILABLE: once more here (a leader may be being elected), then the next server (this
        // one may be cut off from the nodes). A server shutting down closes the connection too.
        unavailableHere = e.otherServer ? unavailableHere + 1 : 0;
        wait = Math.max(50, e.afterMillis);
        if (!c.isOpen() && servers.size() > 1) {
          // It answered and hung up (shutting down): the next server now, not after the delay.
          failedOver(c, "went away (" + e.getMessage() + ")");
          unavailableHere = 0;
          wait = 0;
        } else if (unavailableHere >= 2 && servers.size() > 1) {
          failedOver(c, "answered UNAVAILABLE twice (" + e.getMessage() + ")");
          unavailableHere = 0;
        }
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

  /**
   * Why {@code s} failed, for a sentence about it: "connection refused", "no answer in 2 s", the
   * connection's own reason without the address in front.
   */
  static String reason(ServerAddress s, IOException e) {
    if (e instanceof ConnectException) {
      return "connection refused";
    }
    if (e instanceof SocketTimeoutException) {
      return "no answer in time";
    }
    if (e instanceof UnknownHostException) {
      return "unknown host " + s.host();
    }
    String m = describe(e);
    String prefix = s + ": ";
    return m.startsWith(prefix) ? m.substring(prefix.length()) : m;
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
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
    QueueConnection c = current;
    if (c != null) {
      c.close();
    }
  }
}
