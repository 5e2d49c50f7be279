package io.spindle.node.infrastructure.queue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.spindle.node.application.QueueServerStatus;
import io.spindle.protocol.auth.ClientTokens;
import io.spindle.protocol.queue.Count;
import io.spindle.protocol.queue.CountRangeJob;
import io.spindle.protocol.queue.CountRangeResult;
import io.spindle.protocol.queue.CountResult;
import io.spindle.protocol.queue.Job;
import io.spindle.protocol.queue.JobResult;
import io.spindle.protocol.queue.ListFiles;
import io.spindle.protocol.queue.ListResult;
import io.spindle.protocol.queue.NodeRole;
import io.spindle.protocol.queue.NodeStatus;
import io.spindle.protocol.queue.QueueFrame;
import io.spindle.protocol.queue.QueueProtocol;
import io.spindle.protocol.queue.Renewed;
import io.spindle.protocol.queue.Reply;
import io.spindle.protocol.queue.Request;
import io.spindle.protocol.queue.ServerChallenge;
import io.spindle.protocol.queue.Task;
import io.spindle.protocol.queue.TaskResult;
import io.spindle.protocol.queue.Welcome;
import io.spindle.queue.QueueServer;
import io.spindle.queue.QueueServerSettings;
import io.spindle.queue.client.QueueConnection;
import io.spindle.queue.client.ServerAddress;
import io.spindle.queue.service.ServiceSettings;
import io.spindle.testkit.Await;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node's links to several queue servers, over real TCP: two real {@link QueueServer}s it is
 * configured with, a third it learns from a queue server's Welcome (a minimal queue server in this
 * test that names it, as the queue servers of issue 18 do), requests sent by a client to each of
 * them answered by the node, a count job's task submitted through the link the job came by, and the
 * node working on when one of its queue servers goes away.
 */
class QueueLinksTest {
  private static final String CLUSTER = "queue-links";
  private static final byte[] SECRET =
      "queue-links-test-secret-0123456789abcdef".getBytes(StandardCharsets.UTF_8);
  private static final String TOKEN = "spt_queue-links-token-0123456789";
  private static final Duration WAIT = Duration.ofSeconds(20);

  @TempDir Path dir;
  private final List<AutoCloseable> toClose = new ArrayList<>();

  /** Which queue server (host:port) each job came by, by request id. */
  private final Map<String, String> cameBy = new ConcurrentHashMap<>();

  /** The node's own status; it leads, so leader-queue work comes to it too. */
  private static NodeStatus leader() {
    return NodeStatus.newBuilder()
        .setNodeId("n1")
        .setRole(NodeRole.LEADER)
        .setTerm(1)
        .setLeaderId("n1")
        .setRaftAddress("127.0.0.1:7001")
        .setHttpUrl("http://127.0.0.1:3001")
        .build();
  }

  /**
   * The node's jobs: a list answers empty, a count range answers empty counts, and a count shares
   * one range out through the link it came by and answers once that range is counted.
   */
  private JobResult.Builder run(Job job, JobLink link) {
    cameBy.put(job.getRequestId(), link.server());
    return switch (job.getKindCase()) {
      case LIST -> JobResult.newBuilder().setList(ListResult.getDefaultInstance());
      case COUNT_RANGE ->
          JobResult.newBuilder().setCountRange(CountRangeResult.getDefaultInstance());
      case COUNT -> {
        TaskResult range;
        try {
          range =
              link.submit(
                      Task.newBuilder()
                          .setCountRange(
                              CountRangeJob.newBuilder()
                                  .setName(job.getCount().getName())
                                  .setLocale("c")))
                  .get(WAIT.toSeconds(), TimeUnit.SECONDS);
        } catch (Exception e) {
          throw new IllegalStateException("the range task failed: " + e, e);
        }
        if (!range.hasCountRange()) {
          throw new IllegalStateException("the range task answered " + range);
        }
        yield JobResult.newBuilder()
            .setCount(CountResult.newBuilder().setName(job.getCount().getName()));
      }
      default -> throw new JobRunner.CannotRunHereException("not in this test");
    };
  }

  @AfterEach
  void closeAll() throws Exception {
    for (int i = toClose.size() - 1; i >= 0; i--) {
      toClose.get(i).close();
    }
  }

  @Test
  void aNodeLinksToEveryQueueServerLearnsOneFromAWelcomeAndServesRequestsOnEach() throws Exception {
    QueueServer a = queueServer("a");
    QueueServer b = queueServer("b");
    QueueServer c = queueServer("c");
    NamingServer naming = new NamingServer(name(c));
    QueueWorker worker = worker(List.of(a.localAddress(), b.localAddress(), naming.address()));

    Await.until(
        WAIT,
        () -> connected(worker).size() == 4,
        () -> "the node links to a, b, the naming server and c: " + worker.queueServers());
    assertEquals(
        List.of(name(a), name(b), name(naming.address()), name(c)),
        worker.knownServers(),
        "configured ones first, then the one a Welcome named");
    Await.until(
        WAIT,
        () -> naming.lastStatus != null && naming.lastStatus.getQueueServersCount() == 4,
        () -> "the node reports every queue server it knows: " + naming.lastStatus);
    assertEquals(worker.knownServers(), naming.lastStatus.getQueueServersList());

    // A request sent to any of the real queue servers is answered by the node, which took it from
    // that queue server.
    for (QueueServer s : List.of(a, b, c)) {
      Reply reply = ask(s, listRequest());
      assertTrue(reply.hasList(), () -> name(s) + " answered " + reply);
      assertEquals(name(s), cameBy.get(reply.getRequestId()));
    }
    Await.until(
        WAIT,
        () -> worker.queueServers().stream().allMatch(q -> q.depths().isPresent()),
        () -> "every real queue server reported its queues: " + worker.queueServers());
    assertEquals(
        0L, statusOf(worker, name(a)).waiting("shared").orElseThrow(), "nothing waits on a");
  }

  @Test
  void aCountJobsRangesGoThroughTheLinkTheJobCameBy() throws Exception {
    QueueServer a = queueServer("a");
    QueueServer b = queueServer("b");
    QueueWorker worker = worker(List.of(a.localAddress(), b.localAddress()));
    Await.until(WAIT, () -> connected(worker).size() == 2, () -> "" + worker.queueServers());

    for (QueueServer s : List.of(b, a)) {
      Request count =
          Request.newBuilder()
              .setRequestId(UUID.randomUUID().toString())
              .setCount(Count.newBuilder().setName("f.txt").setLocale("c"))
              .build();
      Reply reply = ask(s, count);
      assertTrue(reply.hasCount(), () -> name(s) + " answered " + reply);
      assertEquals(name(s), cameBy.get(count.getRequestId()), "the count came by " + name(s));
      // The queue server names a task's job task:<node>:<task id>; the coordinator is the count.
      List<String> rangesCameBy =
          cameBy.entrySet().stream()
              .filter(e -> e.getKey().startsWith("task:n1:"))
              .map(Map.Entry::getValue)
              .toList();
      assertEquals(
          List.of(name(s)), rangesCameBy, "its range was queued on, and taken from, " + name(s));
      cameBy.keySet().removeIf(k -> k.startsWith("task:"));
    }
  }

  @Test
  void whenOneQueueServerGoesAwayTheNodeWorksOnThroughTheOthers() throws Exception {
    QueueServer a = queueServer("a");
    QueueServer b = queueServer("b");
    QueueWorker worker = worker(List.of(a.localAddress(), b.localAddress()));
    Await.until(WAIT, () -> connected(worker).size() == 2, () -> "" + worker.queueServers());

    a.close();
    Await.until(
        WAIT,
        () -> connected(worker).equals(List.of(name(b))),
        () -> "the link to a is down, b's up: " + worker.queueServers());
    assertTrue(worker.connected(), "connected means at least one link");
    assertEquals(List.of(name(a), name(b)), worker.knownServers(), "a is still known: it redials");
    assertFalse(statusOf(worker, name(a)).connected());

    Reply reply = ask(b, listRequest());
    assertTrue(reply.hasList(), () -> "b answered " + reply);
    assertEquals(name(b), cameBy.get(reply.getRequestId()));
    TaskResult direct =
        worker
            .submit(Task.newBuilder().setCountRange(CountRangeJob.newBuilder().setName("g.txt")))
            .get(WAIT.toSeconds(), TimeUnit.SECONDS);
    assertTrue(direct.hasCountRange(), "a task asked of the node goes through b: " + direct);
  }

  @Test
  void aWelcomeCannotMakeANodeDialMoreThanTheBoundOfQueueServers() throws Exception {
    List<String> many = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      many.add("127.0.0.1:" + (1 + i)); // nothing listens there: each link keeps redialing
    }
    NamingServer naming = new NamingServer(many);
    QueueWorker worker = worker(List.of(naming.address()));
    Await.until(
        WAIT,
        () -> worker.knownServers().size() == QueueWorker.MAX_LINKS,
        () -> "the node links to at most " + QueueWorker.MAX_LINKS + ": " + worker.knownServers());
    assertEquals(name(naming.address()), worker.knownServers().get(0));
    assertEquals(many.subList(0, QueueWorker.MAX_LINKS - 1), worker.knownServers().subList(1, 16));
    assertTrue(worker.connected());
  }

  // ---------------------------------------------------------------- helpers

  private QueueServer queueServer(String name) throws Exception {
    Path tokens = dir.resolve(name + ".tokens");
    Files.writeString(
        tokens, ClientTokens.line(TOKEN, EnumSet.allOf(ClientTokens.Right.class), "tester") + "\n");
    QueueServer s =
        QueueServer.start(
            QueueServerSettings.defaults(
                    new InetSocketAddress("127.0.0.1", 0), SECRET, dir.resolve(name))
                .withService(ServiceSettings.defaults("", CLUSTER))
                .withClientTokensFile(tokens));
    toClose.add(s);
    return s;
  }

  private QueueWorker worker(List<InetSocketAddress> servers) {
    QueueWorker w =
        new QueueWorker(
            "n1",
            QueueWorker.Settings.defaults(servers, CLUSTER, SECRET).withSlots(8),
            this::run,
            QueueLinksTest::leader,
            threads());
    toClose.add(w);
    w.start();
    return w;
  }

  private Reply ask(QueueServer s, Request request) throws Exception {
    try (QueueConnection client =
        QueueConnection.open(
            new ServerAddress("127.0.0.1", s.localAddress().getPort()),
            Duration.ofSeconds(10),
            TOKEN,
            null)) {
      return client.ask(request).get(WAIT.toSeconds(), TimeUnit.SECONDS);
    }
  }

  private static Request listRequest() {
    return Request.newBuilder()
        .setRequestId(UUID.randomUUID().toString())
        .setList(ListFiles.getDefaultInstance())
        .build();
  }

  private static List<String> connected(QueueWorker w) {
    return w.queueServers().stream()
        .filter(QueueServerStatus::connected)
        .map(QueueServerStatus::address)
        .toList();
  }

  private static QueueServerStatus statusOf(QueueWorker w, String address) {
    return w.queueServers().stream()
        .filter(q -> q.address().equals(address))
        .findFirst()
        .orElseThrow();
  }

  private static String name(QueueServer s) {
    return name(s.localAddress());
  }

  private static String name(InetSocketAddress a) {
    return "127.0.0.1:" + a.getPort();
  }

  private static ThreadFactory threads() {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, "queue-links-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }

  /**
   * The smallest queue server that names others: it proves the cluster secret to a node, welcomes
   * it naming itself and {@code others} (as a queue server names the queue servers of its cluster),
   * answers renewals, and hands out no work.
   */
  private final class NamingServer implements AutoCloseable {
    private final ServerSocket listener = new ServerSocket(0, 50, localhost());
    private final List<String> named = new ArrayList<>();
    private final List<Socket> accepted = new ArrayList<>();
    volatile NodeStatus lastStatus;

    NamingServer(String other) throws IOException {
      this(List.of(other));
    }

    NamingServer(List<String> others) throws IOException {
      named.add(name(address()));
      named.addAll(others);
      toClose.add(this);
      Thread t = new Thread(this::acceptLoop, "naming-server");
      t.setDaemon(true);
      t.start();
    }

    InetSocketAddress address() {
      return new InetSocketAddress("127.0.0.1", listener.getLocalPort());
    }

    private void acceptLoop() {
      while (!listener.isClosed()) {
        try {
          Socket s = listener.accept();
          synchronized (accepted) {
            accepted.add(s);
          }
          Thread t = new Thread(() -> serve(s), "naming-server-conn");
          t.setDaemon(true);
          t.start();
        } catch (IOException closed) {
          return;
        }
      }
    }

    private void serve(Socket socket) {
      try (socket) {
        InputStream in = socket.getInputStream();
        OutputStream out = socket.getOutputStream();
        QueueFrame hello = QueueFrame.parseDelimitedFrom(in);
        byte[] nonce = new byte[QueueProtocol.NONCE_BYTES];
        new SecureRandom().nextBytes(nonce);
        String serverId = "naming-" + listener.getLocalPort();
        byte[] proof =
            QueueProtocol.prove(
                SECRET,
                QueueProtocol.transcript(
                    QueueProtocol.SERVER,
                    QueueProtocol.VERSION,
                    hello.getNodeHello().getClusterId(),
                    hello.getNodeHello().getNodeId(),
                    serverId,
                    hello.getNodeHello().getNonce().toByteArray(),
                    nonce));
        write(
            out,
            QueueFrame.newBuilder()
                .setServerChallenge(
                    ServerChallenge.newBuilder()
                        .setProtocolVersion(QueueProtocol.VERSION)
                        .setServerId(serverId)
                        .setNonce(ByteString.copyFrom(nonce))
                        .setProof(ByteString.copyFrom(proof)))
                .build());
        QueueFrame.parseDelimitedFrom(in); // the node's proof: this test trusts it
        write(
            out,
            QueueFrame.newBuilder()
                .setNodeWelcome(
                    Welcome.newBuilder()
                        .setProtocolVersion(QueueProtocol.VERSION)
                        .setServerId(serverId)
                        .setClusterId(CLUSTER)
                        .setMaxFrameSize(1 << 20)
                        .setLeaseMs(3_000)
                        .addAllQueueServers(named))
                .build());
        for (QueueFrame f; (f = QueueFrame.parseDelimitedFrom(in)) != null; ) {
          if (f.hasRenew()) {
            lastStatus = f.getRenew().getStatus();
            write(out, QueueFrame.newBuilder().setRenewed(Renewed.getDefaultInstance()).build());
          } else if (f.hasSteal()) {
            lastStatus = f.getSteal().getStatus();
          }
        }
      } catch (IOException closed) {
        // the node or the test closed the connection
      }
    }

    private void write(OutputStream out, QueueFrame frame) throws IOException {
      frame.writeDelimitedTo(out);
      out.flush();
    }

    @Override
    public void close() throws IOException {
      listener.close();
      synchronized (accepted) {
        for (Socket s : accepted) {
          s.close();
        }
      }
    }
  }

  private static java.net.InetAddress localhost() {
    try {
      return java.net.InetAddress.getByName("127.0.0.1");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
