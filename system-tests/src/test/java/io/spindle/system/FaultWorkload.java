package io.spindle.system;

import io.spindle.testkit.lincheck.History;
import io.spindle.testkit.lincheck.Operation;
import io.spindle.testkit.lincheck.Operation.Kind;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
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
 * few keys through the REST API of a node it picks at random, one request at a time, and records
 * every operation with its invoke and complete times and its outcome in one {@link History}: ok,
 * failed (certainly no effect: the connection was refused before the request left, or a read
 * failed) or unknown (anything else a write met: a timeout, an error answer, a broken connection).
 * A client whose operation ended unknown carries on under a new client number, as a Jepsen process
 * that crashed would, so that every client has at most one operation open.
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

  /** One finished operation, for the report: when it ended, how long it took, its kind and end. */
  record Sample(long endNanos, long latencyNanos, Kind kind, Outcome outcome) {}

  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(5);
  private static final Pattern NO_SUCH_FILE =
      Pattern.compile("\"error\"\\s*:\\s*\"there is no file named");
  static final Duration KEY_GENERATION = Duration.ofSeconds(15);

  private final List<URI> nodes;
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

  FaultWorkload(List<URI> nodes, int keysPerGeneration, int clients, long seed) {
    this.nodes = List.copyOf(nodes);
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

  /** Operations by kind and outcome. */
  Map<Kind, Map<Outcome, Integer>> counts() {
    Map<Kind, Map<Outcome, Integer>> counts = new EnumMap<>(Kind.class);
    for (Sample s : samples()) {
      counts
          .computeIfAbsent(s.kind(), k -> new EnumMap<>(Outcome.class))
          .merge(s.outcome(), 1, Integer::sum);
    }
    return counts;
  }

  private void run(int firstClient, SplittableRandom random) {
    int client = firstClient;
    int seq = 0;
    try {
      while (running.get()) {
        URI node = nodes.get(random.nextInt(nodes.size()));
        String key = key(System.nanoTime(), random);
        int dice = random.nextInt(100);
        Outcome outcome;
        if (dice < 45) {
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
    }
  }

  private Outcome write(int client, URI node, String key, String value) {
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
      samples.add(new Sample(now, now - answer.sentNanos, Kind.GET, outcome));
      return outcome;
    }
  }

  private History.Handle invoke(int client, Kind kind, String key, String value, URI node) {
    synchronized (history) {
      long now = System.nanoTime();
      nodeOf.put(client + "@" + now, node.getHost());
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
      samples.add(new Sample(now, now - answer.sentNanos, kind, outcome));
      return outcome;
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
