package io.spindle.raft.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spindle.raft.NodeId;
import io.spindle.raft.server.kv.KeyValueClient;
import io.spindle.raft.server.kv.KeyValueStateMachine;
import io.spindle.raft.server.kv.LocalCluster;
import io.spindle.testkit.Await;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three real {@link io.spindle.raft.server.kv.RaftServer} processes on 127.0.0.1: kill -9 the
 * leader in the middle of a write load, see the cluster elect another and go on, restart the killed
 * process on its data directory, and find every acknowledged write readable afterwards.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class RaftClusterProcessTest {
  private static final Logger LOG = Logger.getLogger(RaftClusterProcessTest.class.getName());
  private static final List<String> JVM = List.of("-Xmx256m", "-XX:+UseSerialGC");
  private static final Duration START = Duration.ofSeconds(60);

  @TempDir Path dir;
  private LocalCluster cluster;
  private KeyValueClient client;

  @BeforeEach
  void startCluster() throws Exception {
    cluster = LocalCluster.create(3, dir, JVM, List.of());
    cluster.enableTls(); // as a real cluster runs: TLS between the nodes
    cluster.startAll(START);
    client =
        new KeyValueClient(
                cluster.addresses(),
                cluster.secret().getBytes(StandardCharsets.UTF_8),
                cluster.clientTls())
            .withTimeout(Duration.ofSeconds(30));
  }

  @AfterEach
  void killCluster() {
    if (client != null) {
      client.close();
    }
    if (cluster != null) {
      cluster.close(); // SIGKILLs whatever still runs
    }
  }

  @Test
  void survivesSigkillOfTheLeaderUnderLoadWithoutLosingAcknowledgedWrites() throws Exception {
    client.write(KeyValueStateMachine.put("hello", bytes("world"))).get(60, TimeUnit.SECONDS);
    Writer writer = new Writer();
    Thread load = new Thread(writer, "load");
    load.start();
    try {
      Await.until(Duration.ofSeconds(60), "300 writes acknowledged", () -> writer.acked() >= 300);

      String leaderAddress = client.leader().orElseThrow();
      NodeId leader = cluster.nodeAt(leaderAddress).orElseThrow();
      cluster.kill(leader);
      long ackedAtKill = writer.acked();

      Await.until(
          Duration.ofSeconds(60),
          "writes continue after the leader was killed",
          () -> writer.acked() >= ackedAtKill + 300,
          () -> writer.acked() + " acknowledged; " + writer.problem());
      Await.until(
          Duration.ofSeconds(30),
          "the client follows a new leader",
          () -> client.leader().filter(l -> !l.equals(leaderAddress)).isPresent());
      String newLeader = client.leader().orElseThrow();
      assertNotEquals(leaderAddress, newLeader);
      LOG.info(
          "killed leader "
              + leader
              + " after "
              + ackedAtKill
              + " acknowledged writes; "
              + newLeader
              + " leads now, "
              + writer.acked()
              + " acknowledged");

      cluster.start(leader, START);
      Await.until(
          Duration.ofSeconds(60),
          "writes go on with the old leader back",
          () -> writer.acked() >= ackedAtKill + 600,
          () -> writer.acked() + " acknowledged; " + writer.problem());
      writer.stop();
      load.join(TimeUnit.SECONDS.toMillis(60));
      assertEquals(0, writer.failures.get(), "failed writes; first: " + writer.problem());

      awaitCaughtUp(leader);
      LOG.info(leader + " restarted and caught up; checking " + writer.acked() + " writes");
      assertEveryAcknowledgedWriteIsReadable(writer.acknowledged);
      // The restarted node serves them too: a read there waits until it has applied them.
      String restarted = cluster.address(leader);
      int checked = 0;
      for (Map.Entry<String, byte[]> e : writer.acknowledged.entrySet()) {
        if (checked++ % 50 == 0) {
          byte[] value =
              client
                  .readAt(restarted, KeyValueStateMachine.get(e.getKey()))
                  .get(15, TimeUnit.SECONDS);
          assertArrayEquals(e.getValue(), value, e.getKey() + " at the restarted " + leader);
        }
      }
    } finally {
      writer.stop();
      load.join(TimeUnit.SECONDS.toMillis(60));
    }
  }

  /** The restarted node has applied a marker written after it came back. */
  private void awaitCaughtUp(NodeId node) throws Exception {
    byte[] marker = bytes("caught up");
    client.write(KeyValueStateMachine.put("marker", marker)).get(30, TimeUnit.SECONDS);
    AtomicReference<String> last = new AtomicReference<>("nothing yet");
    Await.until(
        Duration.ofSeconds(60),
        node + " caught up",
        () -> {
          try {
            byte[] v =
                client
                    .readAt(cluster.address(node), KeyValueStateMachine.get("marker"))
                    .get(10, TimeUnit.SECONDS);
            last.set(new String(v, StandardCharsets.UTF_8));
            return Arrays.equals(marker, v);
          } catch (Exception e) {
            last.set(e.toString());
            return false;
          }
        },
        last::get);
  }

  private void assertEveryAcknowledgedWriteIsReadable(Map<String, byte[]> acknowledged)
      throws Exception {
    assertTrue(acknowledged.size() >= 600, "only " + acknowledged.size() + " writes acknowledged");
    Semaphore window = new Semaphore(32);
    List<CompletableFuture<Void>> checks = new ArrayList<>();
    Map<String, String> wrong = new ConcurrentHashMap<>();
    for (Map.Entry<String, byte[]> e : acknowledged.entrySet()) {
      window.acquire();
      checks.add(
          client
              .read(KeyValueStateMachine.get(e.getKey()))
              .handle(
                  (reply, error) -> {
                    window.release();
                    if (error != null) {
                      wrong.put(e.getKey(), error.toString());
                    } else if (!Arrays.equals(e.getValue(), reply.result())) {
                      wrong.put(
                          e.getKey(), "read " + new String(reply.result(), StandardCharsets.UTF_8));
                    }
                    return null;
                  }));
    }
    CompletableFuture.allOf(checks.toArray(CompletableFuture[]::new)).get(120, TimeUnit.SECONDS);
    assertTrue(wrong.isEmpty(), wrong.size() + " acknowledged writes unreadable: " + sample(wrong));
  }

  private static String sample(Map<String, String> wrong) {
    return wrong.entrySet().stream().limit(5).toList().toString();
  }

  /** Writes distinct keys with 32 in flight until stopped; remembers what was acknowledged. */
  private final class Writer implements Runnable {
    final Map<String, byte[]> acknowledged = new ConcurrentHashMap<>();
    final AtomicLong failures = new AtomicLong();
    final AtomicReference<Throwable> firstFailure = new AtomicReference<>();
    private final AtomicBoolean stopped = new AtomicBoolean();
    private final Semaphore window = new Semaphore(32);

    @Override
    public void run() {
      try {
        for (int i = 0; !stopped.get(); i++) {
          if (!window.tryAcquire(100, TimeUnit.MILLISECONDS)) {
            i--;
            continue;
          }
          String key = "w" + i;
          byte[] value = bytes("value " + i);
          client
              .write(KeyValueStateMachine.put(key, value))
              .whenComplete(
                  (reply, error) -> {
                    window.release();
                    if (error == null) {
                      acknowledged.put(key, value);
                    } else {
                      failures.incrementAndGet();
                      firstFailure.compareAndSet(null, error);
                    }
                  });
        }
        window.tryAcquire(32, 60, TimeUnit.SECONDS); // the last ones in flight
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }

    long acked() {
      return acknowledged.size();
    }

    String problem() {
      Throwable t = firstFailure.get();
      return t == null ? "no failure" : t.toString();
    }

    void stop() {
      stopped.set(true);
    }
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
