package io.spindle.system;

import com.google.protobuf.ByteString;
import io.spindle.protocol.queue.Count;
import io.spindle.protocol.queue.CountResult;
import io.spindle.protocol.queue.Delete;
import io.spindle.protocol.queue.ErrorCode;
import io.spindle.protocol.queue.Read;
import io.spindle.protocol.queue.Reply;
import io.spindle.protocol.queue.Request;
import io.spindle.protocol.queue.WriteBegin;
import io.spindle.queue.client.QueueConnection;
import io.spindle.queue.client.ServerAddress;
import io.spindle.testkit.lincheck.History;
import io.spindle.testkit.lincheck.Operation;
import io.spindle.testkit.lincheck.Operation.Kind;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;

/**
 * Clients of the fault suite: each writes, reads and deletes small files with unique contents on a
 * few keys, one request at a time, through the REST API of a node it picks at random or, one
 * operation in three, through the queue server (the {@code spindle} CLI's protocol: an inline
 * write, a linearizable read, a linearizable count, a delete), and records every operation with its
 * invoke and complete times and its outcome in one {@link History}: ok, failed (certainly no
 * effect: the connection was refused before the request left, a read failed, or the queue server
 * said nothing was done) or unknown (anything else a write met: a timeout, an error answer, a
 * broken connection). A client whose operation ended unknown carries on under a new client number,
 * as a Jepsen process that crashed would, so that every client has at most one operation open.
 *
 * <p>A read or a count through the queue server names the content by its SHA-256, which stands for
 * the one value written with that digest (every value is unique); a count must also give that
 * value's figures. Answers that cannot be right in any order are {@link #anomalies()}.
 *
 * <p>The keys change every {@link #KEY_GENERATION}: the clients work on {@code keysPerGeneration}
 * keys at a time, so that no key's history grows beyond what the checker searches quickly, however
 * long the run.
 */
final class FaultWorkload {
  /** What one operation ended as. */
  enum Outcome {
    OK,
    FAILED,
    UNKNOWN
  }

  /**
   * One finished operation, for the report: when it ended, how long it took, what it was ("PUT",
   * "queue COUNT") and how it ended.
   */
  record Sample(long endNanos, long latencyNanos, String what, Outcome outcome) {}

  /** The node an operation through the queue server is recorded as having gone to. */
  static final String QUEUE = "queue";

  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(5);
  private static final Pattern NO_SUCH_FILE =
      Pattern.compile("\"error\"\\s*:\\s*\"there is no file named");
  static final Duration KEY_GENERATION = Duration.ofSeconds(15);

  private final List<URI> nodes;
  private final ServerAddress queueServer;
  // Every value written, by the hex SHA-256 of its bytes: what a queue read or count names.
  private final Map<String, String> valueOfDigest = new ConcurrentHashMap<>();
  private final Map<String, Integer> queueErrors = new ConcurrentHashMap<>();
  private final List<String> anomalies = new java.util.concurrent.CopyOnWriteArrayList<>();
  private final int keysPerGeneration;
  private final Set<String> keysUsed = ConcurrentHashMap.newKeySet();
  private final int clients;
  private final long seed;
  private final HttpClient http =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(2))
          .build();
  private final History history = new History();
  // Guarded by history: the node each operation went to, by "client@invokeNanos".
  private final Map<String, String> nodeOf = new HashMap<>();
  private final List<Sample> samples = new ArrayList<>();
  private final AtomicBoolean running = new AtomicBoolean();
  private final AtomicInteger nextClient = new AtomicInteger();
  private final List<Thread> threads = new ArrayList<>();
  private final long startNanos = System.nanoTime();
  private volatile Throwable failure;

  /**
   * Clients of {@code nodes}' REST APIs and, unless it is null, of {@code queueServer}, on {@code
   * keysPerGeneration} keys at a time.
   */
  FaultWorkload(
      List<URI> nodes, ServerAddress queueServer, int keysPerGeneration, int clients, long seed) {
    this.nodes = List.copyOf(nodes);
    this.queueServer = queueServer;
    this.keysPerGeneration = keysPerGeneration;
    this.clients = clients;
    this.seed = seed;
    nextClient.set(clients);
  }

  void start() {
    running.set(true);
    for (int c = 0; c < clients; c++) {
      int first = c;
      SplittableRandom random = new SplittableRandom(seed * 1_000 + c);
      Thread thread = new Thread(() -> run(first, random), "fault-client-" + c);
      thread.setDaemon(true);
      threads.add(thread);
      thread.start();
    }
  }

  /** Stops the clients; each finishes (or times out) the operation it has open. */
  void stop() throws InterruptedException {
    running.set(false);
    for (Thread thread : threads) {
      thread.join(REQUEST_TIMEOUT.multipliedBy(4).toMillis());
      if (thread.isAlive()) {
        throw new IllegalStateException(thread.getName() + " did not stop");
      }
    }
    if (failure != null) {
      throw new IllegalStateException("a client failed: " + failure, failure);
    }
  }

  /**
   * Reads every key the run used through {@code node}, linearizably, into the history, each until a
   * read answers (a failed read changes nothing, so it is tried again) or {@code within} passed;
   * returns the keys that could not be read.
   */
  List<String> finalReads(URI node, Duration within) {
    int client = nextClient.getAndIncrement();
    long deadline = System.nanoTime() + within.toNanos();
    List<String> unread = new ArrayList<>();
    for (String key : new TreeSet<>(keysUsed)) {
      while (read(client, node, key) != Outcome.OK) {
        if (System.nanoTime() - deadline > 0) {
          unread.add(key);
          break;
        }
        pause(Duration.ofMillis(200)); // a retry interval against the deadline above
      }
    }
    return unread;
  }

  private static void pause(Duration period) {
    try {
      Thread.sleep(period.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  /** The keys of the generation running at {@code now}. */
  private String key(long now, SplittableRandom random) {
    long generation = (now - startNanos) / KEY_GENERATION.toNanos();
    String key = "fault/g" + generation + "-k" + random.nextInt(keysPerGeneration);
    keysUsed.add(key);
    return key;
  }

  /** The address of the node that operation {@code call} of {@code client} went to, or null. */
  String node(int client, long call) {
    synchronized (history) {
      return nodeOf.get(client + "@" + call);
    }
  }

  /** Operations recorded so far, whatever their outcome. */
  int operationCount() {
    synchronized (history) {
      return samples.size();
    }
  }

  List<Operation> operations() {
    synchronized (history) {
      return history.operations();
    }
  }

  List<Sample> samples() {
    synchronized (history) {
      return List.copyOf(samples);
    }
  }

  long startNanos() {
    return startNanos;
  }

  /** Operations by what they were ("GET", "queue PUT") and outcome. */
  Map<String, Map<Outcome, Integer>> counts() {
    Map<String, Map<Outcome, Integer>> counts = new TreeMap<>();
    for (Sample s : samples()) {
      counts
          .computeIfAbsent(s.what(), k -> new EnumMap<>(Outcome.class))
          .merge(s.outcome(), 1, Integer::sum);
    }
    return counts;
  }

  /** The queue server's error answers by operation and code ("queue PUT UNAVAILABLE"). */
  Map<String, Integer> queueErrors() {
    return new TreeMap<>(queueErrors);
  }

  /** Answers that are wrong whatever the order of operations (none, in a correct system). */
  List<String> anomalies() {
    return List.copyOf(anomalies);
  }

  private void run(int firstClient, SplittableRandom random) {
    int client = firstClient;
    int seq = 0;
    QueueLink link = new QueueLink();
    try {
      while (running.get()) {
        URI node = nodes.get(random.nextInt(nodes.size()));
        String key = key(System.nanoTime(), random);
        int dice = random.nextInt(100);
        Outcome outcome;
        if (queueServer != null && random.nextInt(3) == 0) {
          outcome = viaQueue(link, client, key, dice, "c" + firstClient + "-" + seq++);
        } else if (dice < 45) {
          outcome = write(client, node, key, "c" + firstClient + "-" + seq++);
        } else if (dice < 90) {
          outcome = read(client, node, key);
        } else {
          outcome = delete(client, node, key);
        }
        if (outcome == Outcome.UNKNOWN) {
          client = nextClient.getAndIncrement();
        }
      }
    } catch (RuntimeException | Error e) {
      failure = e;
    } finally {
      link.drop();
    }
  }

  private Outcome write(int client, URI node, String key, String value) {
    valueOfDigest.put(HexFormat.of().formatHex(sha256(value)), value);
    HttpRequest request =
        SystemTokens.request(node.resolve("/api/files/" + key))
            .timeout(REQUEST_TIMEOUT)
            .header("Idempotency-Key", UUID.randomUUID().toString())
            .PUT(HttpRequest.BodyPublishers.ofString(value, StandardCharsets.UTF_8))
            .build();
    History.Handle handle = invoke(client, Kind.PUT, key, value, node);
    return finish(handle, Kind.PUT, send(request), 201, 200);
  }

  private Outcome delete(int client, URI node, String key) {
    HttpRequest request =
        SystemTokens.request(node.resolve("/api/files/" + key))
            .timeout(REQUEST_TIMEOUT)
            .header("Idempotency-Key", UUID.randomUUID().toString())
            .DELETE()
            .build();
    History.Handle handle = invoke(client, Kind.DELETE, key, null, node);
    // Spindle's 404 (nothing to delete) is a delete that took effect on an absent key.
    return finish(handle, Kind.DELETE, send(request), 204, 200);
  }

  private Outcome read(int client, URI node, String key) {
    HttpRequest request =
        SystemTokens.request(node.resolve("/api/files/" + key)).timeout(REQUEST_TIMEOUT).build();
    History.Handle handle = invoke(client, Kind.GET, key, null, node);
    Answer answer = send(request);
    long now = System.nanoTime();
    synchronized (history) {
      Outcome outcome;
      if (answer.status == 200) {
        history.ok(handle, answer.body, now);
        outcome = Outcome.OK;
      } else if (answer.isNoSuchFile()) {
        history.ok(handle, null, now);
        outcome = Outcome.OK;
      } else {
        history.fail(handle, now); // a read that did not answer changed nothing
        outcome = Outcome.FAILED;
      }
      samples.add(new Sample(now, now - answer.sentNanos, Kind.GET.name(), outcome));
      return outcome;
    }
  }

  private History.Handle invoke(int client, Kind kind, String key, String value, URI node) {
    return invoke(client, kind, key, value, node.getHost());
  }

  private History.Handle invoke(int client, Kind kind, String key, String value, String node) {
    synchronized (history) {
      long now = System.nanoTime();
      nodeOf.put(client + "@" + now, node);
      return history.invoke(client, kind, key, value, now);
    }
  }

  private Outcome finish(History.Handle handle, Kind kind, Answer answer, int... okStatuses) {
    long now = System.nanoTime();
    synchronized (history) {
      Outcome outcome = Outcome.UNKNOWN;
      for (int ok : okStatuses) {
        if (answer.status == ok) {
          outcome = Outcome.OK;
        }
      }
      if (kind == Kind.DELETE && answer.isNoSuchFile()) {
        outcome = Outcome.OK;
      }
      if (answer.refused) {
        outcome = Outcome.FAILED;
      }
      switch (outcome) {
        case OK -> history.ok(handle, now);
        case FAILED -> history.fail(handle, now);
        default -> history.info(handle);
      }
      samples.add(new Sample(now, now - answer.sentNanos, kind.name(), outcome));
      return outcome;
    }
  }

  // ---------------------------------------------------------------- through the queue server

  /** One client's connection to the queue server, opened when needed, dropped when in doubt. */
  private final class QueueLink {
    private QueueConnection connection;

    /** The open connection, or null if none could be opened (nothing was sent). */
    QueueConnection connection() {
      if (connection != null && connection.isOpen()) {
        return connection;
      }
      drop();
      try {
        connection =
            QueueConnection.open(
                queueServer,
                Duration.ofSeconds(2),
                REQUEST_TIMEOUT,
                SystemTokens.TOKEN,
                SystemTls.client());
        return connection;
      } catch (IOException e) {
        return null;
      }
    }

    /** Closes the connection (a late answer must not be taken for the next request's). */
    void drop() {
      if (connection != null) {
        connection.close();
        connection = null;
      }
    }
  }

  /**
   * One operation through the queue server: by {@code dice}, an inline write of {@code value}, a
   * linearizable read, a linearizable count or a delete of {@code key}.
   */
  private Outcome viaQueue(QueueLink link, int client, String key, int dice, String value) {
    Request.Builder request =
        Request.newBuilder()
            .setRequestId(UUID.randomUUID().toString())
            .setTimeoutMs((int) REQUEST_TIMEOUT.toMillis());
    Kind kind;
    String what;
    if (dice < 45) {
      byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
      byte[] digest = sha256(value);
      valueOfDigest.put(HexFormat.of().formatHex(digest), value);
      request.setWriteBegin(
          WriteBegin.newBuilder()
              .setName(key)
              .setSize(bytes.length)
              .setSha256(ByteString.copyFrom(digest))
              .setInlineData(ByteString.copyFrom(bytes)));
      kind = Kind.PUT;
      what = "queue PUT";
    } else if (dice < 70) {
      request.setRead(Read.newBuilder().setName(key));
      kind = Kind.GET;
      what = "queue GET";
    } else if (dice < 90) {
      request.setCount(Count.newBuilder().setName(key));
      kind = Kind.GET;
      what = "queue COUNT";
    } else {
      request.setDelete(Delete.newBuilder().setName(key));
      kind = Kind.DELETE;
      what = "queue DELETE";
    }
    QueueConnection connection = link.connection();
    History.Handle handle = invoke(client, kind, key, kind == Kind.PUT ? value : null, QUEUE);
    long sent = System.nanoTime();
    Reply reply = null;
    if (connection != null) {
      try {
        reply =
            connection
                .ask(request.build())
                .get(REQUEST_TIMEOUT.toMillis() + 2_000, TimeUnit.MILLISECONDS);
      } catch (ExecutionException | TimeoutException e) {
        link.drop(); // the answer may still come: not on a connection the next request uses
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        link.drop();
      }
    }
    return finishQueue(handle, kind, what, key, connection == null, reply, sent);
  }

  private Outcome finishQueue(
      History.Handle handle,
      Kind kind,
      String what,
      String key,
      boolean notSent,
      Reply reply,
      long sent) {
    long now = System.nanoTime();
    synchronized (history) {
      Outcome outcome;
      String read = null; // what a read or count saw: null for absent
      if (notSent) {
        outcome = Outcome.FAILED;
      } else if (reply == null) {
        outcome = kind == Kind.GET ? Outcome.FAILED : Outcome.UNKNOWN;
      } else if (reply.hasError()) {
        ErrorCode code = reply.getError().getCode();
        queueErrors.merge(what + " " + code, 1, Integer::sum);
        if (code == ErrorCode.INVALID_ARGUMENT || code == ErrorCode.PERMISSION_DENIED) {
          anomalies.add(what + " of " + key + " was refused: " + reply.getError());
        }
        if (code == ErrorCode.NOT_FOUND && kind != Kind.PUT) {
          outcome = Outcome.OK; // absent: a read of nothing, or a delete with nothing to delete
        } else if (kind == Kind.GET || nothingDone(code)) {
          outcome = Outcome.FAILED;
        } else {
          outcome = Outcome.UNKNOWN;
        }
      } else if (kind == Kind.PUT && reply.hasWriteDone()
          || kind == Kind.DELETE && reply.hasDeleted()) {
        outcome = Outcome.OK;
      } else if (reply.hasRead()) {
        read = valueOf(reply.getRead().getFile().getSha256());
        outcome = Outcome.OK;
        if (!reply.getRead().getFile().getName().equals(key)) {
          anomalies.add(what + " of " + key + " answered for another file: " + reply);
        }
      } else if (reply.hasCount()) {
        CountResult count = reply.getCount();
        read = valueOf(count.getSha256());
        outcome = Outcome.OK;
        long bytes = read.getBytes(StandardCharsets.UTF_8).length;
        if (count.getBytes() != bytes || count.getWords() != 1 || count.getLines() != 0) {
          anomalies.add(
              what
                  + " of "
                  + key
                  + " holding "
                  + read
                  + " gave lines/words/bytes "
                  + count.getLines()
                  + "/"
                  + count.getWords()
                  + "/"
                  + count.getBytes()
                  + ", not 0/1/"
                  + bytes);
        }
      } else {
        anomalies.add(what + " of " + key + " answered " + reply);
        outcome = Outcome.UNKNOWN;
      }
      switch (outcome) {
        case OK -> {
          if (kind == Kind.GET) {
            history.ok(handle, read, now);
          } else {
            history.ok(handle, now);
          }
        }
        case FAILED -> history.fail(handle, now);
        default -> history.info(handle);
      }
      samples.add(new Sample(now, now - sent, what, outcome));
      return outcome;
    }
  }

  /** Whether the queue server's error says the request had no effect. */
  private static boolean nothingDone(ErrorCode code) {
    return code == ErrorCode.BUSY
        || code == ErrorCode.NO_SPACE
        || code == ErrorCode.INVALID_ARGUMENT
        || code == ErrorCode.PERMISSION_DENIED;
  }

  /**
   * The value written with {@code digest}; a value no client wrote (which the checker then finds in
   * no linearization) if none was.
   */
  private String valueOf(ByteString digest) {
    String hex = HexFormat.of().formatHex(digest.toByteArray());
    String value = valueOfDigest.get(hex);
    return value != null ? value : "never written: content with SHA-256 " + hex;
  }

  private static byte[] sha256(String value) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("no SHA-256 in this JVM", e);
    }
  }

  /** An HTTP status (0: none), its body, and whether the connection was refused before sending. */
  private record Answer(int status, String body, boolean refused, long sentNanos) {
    /**
     * Spindle's own "no such file", not any 404: Payara Micro answers 404 for every path while the
     * application is still deploying, which says nothing about the file.
     */
    boolean isNoSuchFile() {
      return status == 404 && body != null && NO_SUCH_FILE.matcher(body).find();
    }
  }

  /**
   * Sends {@code request} and waits for the whole answer at most {@link #REQUEST_TIMEOUT} (the
   * client's own timeout covers only the answer's headers: a body that stalls would hold the client
   * for ever).
   */
  private Answer send(HttpRequest request) {
    long sent = System.nanoTime();
    CompletableFuture<HttpResponse<String>> exchange =
        http.sendAsync(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    try {
      HttpResponse<String> response =
          exchange.get(REQUEST_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      return new Answer(response.statusCode(), response.body(), false, sent);
    } catch (ExecutionException e) {
      boolean refused =
          e.getCause() instanceof HttpConnectTimeoutException
              || e.getCause() instanceof ConnectException;
      return new Answer(0, null, refused, sent); // refused: the request never left
    } catch (TimeoutException e) {
      exchange.cancel(true);
      return new Answer(0, null, false, sent);
    } catch (InterruptedException e) {
      exchange.cancel(true);
      Thread.currentThread().interrupt();
      return new Answer(0, null, false, sent);
    }
  }
}
