package io.spindle.node.infrastructure.queue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spindle.protocol.auth.ClientTokens;
import io.spindle.protocol.queue.GroupInfo;
import io.spindle.protocol.queue.GroupOp;
import io.spindle.protocol.queue.GroupReply;
import io.spindle.protocol.queue.GroupShow;
import io.spindle.protocol.queue.Job;
import io.spindle.protocol.queue.JobResult;
import io.spindle.protocol.queue.ListFiles;
import io.spindle.protocol.queue.ListResult;
import io.spindle.protocol.queue.NodeRole;
import io.spindle.protocol.queue.NodeStatus;
import io.spindle.protocol.queue.Reply;
import io.spindle.protocol.queue.Request;
import io.spindle.queue.QueueServer;
import io.spindle.queue.QueueServerSettings;
import io.spindle.queue.client.QueueConnection;
import io.spindle.queue.client.ServerAddress;
import io.spindle.queue.jobs.JobQueueSettings;
import io.spindle.queue.service.ServiceSettings;
import io.spindle.testkit.Await;
import io.spindle.testkit.ManualClock;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A job that waits for an event ({@link JobRunner#start}: a show of a group waiting for a change)
 * on a node of one job slot, against a real queue server whose leases follow a manual clock: it
 * holds neither the slot nor the thread, its lease is renewed while it waits, its result reaches
 * the client when it comes, and its wait is cancelled when its connection closes.
 */
class QueueWorkerWaitingJobTest {
  private static final String CLUSTER = "waiting-jobs";
  private static final byte[] SECRET =
      "waiting-jobs-test-secret-0123456789abcdef".getBytes(StandardCharsets.UTF_8);
  private static final String TOKEN = "spt_waiting-jobs-token-0123456789";
  private static final Duration LEASE = Duration.ofSeconds(1);
  private static final Duration WAIT = Duration.ofSeconds(20);

  @TempDir Path dir;
  private final ManualClock clock = new ManualClock();
  private final List<AutoCloseable> toClose = new ArrayList<>();

  /** The waits the runner started, by request id: the test completes them. */
  private final Map<String, CompletableFuture<JobResult.Builder>> waits = new ConcurrentHashMap<>();

  private final JobRunner runner =
      new JobRunner() {
        @Override
        public JobResult.Builder run(Job job, JobLink link) {
          if (job.hasList()) {
            return JobResult.newBuilder().setList(ListResult.getDefaultInstance());
          }
          throw new CannotRunHereException("not in this test");
        }

        @Override
        public CompletableFuture<JobResult.Builder> start(
            Job job, JobLink link, Executor finishOn) {
          if (job.hasGroup()) {
            CompletableFuture<JobResult.Builder> f = new CompletableFuture<>();
            waits.put(job.getRequestId(), f);
            return f;
          }
          return JobRunner.super.start(job, link, finishOn);
        }
      };

  @AfterEach
  void closeAll() throws Exception {
    for (int i = toClose.size() - 1; i >= 0; i--) {
      toClose.get(i).close();
    }
  }

  @Test
  void aWaitingJobFreesItsSlotKeepsItsLeaseAndAnswersWhenItsEventComes() throws Exception {
    QueueServer server = queueServer();
    worker(server);
    try (QueueConnection client = client(server)) {
      Request show = waitingShow();
      CompletableFuture<Reply> shown = client.ask(show);
      Await.until(WAIT, () -> waits.containsKey(show.getRequestId()), () -> "the show started");

      Reply list = client.ask(list()).get(WAIT.toSeconds(), TimeUnit.SECONDS);
      assertTrue(list.hasList(), "the one slot took another job while the show waits: " + list);

      // Three lease lengths of the queue server's time, each step answered by a renewal.
      for (int i = 0; i < 5; i++) {
        clock.advance(Duration.ofMillis(600));
        Await.until(
            WAIT,
            () -> leaseExpiresInMs(server, show.getRequestId()) == LEASE.toMillis(),
            () -> "the node renewed the waiting show's lease: " + server.status().getLeasesList());
      }
      assertEquals(1, server.status().getLeases(0).getAttempt(), "never handed out again");
      assertTrue(!shown.isDone(), "the show still waits");

      waits
          .get(show.getRequestId())
          .complete(
              JobResult.newBuilder()
                  .setGroup(
                      GroupReply.newBuilder()
                          .setIndex(7)
                          .setGroup(GroupInfo.newBuilder().setGroup("web").setIndex(7))));
      Reply answer = shown.get(WAIT.toSeconds(), TimeUnit.SECONDS);
      assertEquals(7, answer.getGroup().getGroup().getIndex(), answer.toString());
    }
  }

  @Test
  void aWaitIsCancelledWhenItsQueueServerGoesAway() throws Exception {
    QueueServer server = queueServer();
    worker(server);
    Request show = waitingShow();
    try (QueueConnection client = client(server)) {
      client.ask(show);
      Await.until(WAIT, () -> waits.containsKey(show.getRequestId()), () -> "the show started");
    }
    server.close();
    Await.until(
        WAIT,
        () -> waits.get(show.getRequestId()).isCancelled(),
        () -> "the node stopped waiting for a show it can no longer answer");
  }

  // ---------------------------------------------------------------- helpers

  private static Request waitingShow() {
    return Request.newBuilder()
        .setRequestId(UUID.randomUUID().toString())
        .setGroup(
            GroupOp.newBuilder()
                .setGroup("web")
                .setShow(GroupShow.newBuilder().setWait(true).setWaitMs(60_000)))
        .build();
  }

  private static Request list() {
    return Request.newBuilder()
        .setRequestId(UUID.randomUUID().toString())
        .setList(ListFiles.getDefaultInstance())
        .build();
  }

  private static long leaseExpiresInMs(QueueServer server, String requestId) {
    return server.status().getLeasesList().stream()
        .filter(l -> l.getRequestId().equals(requestId))
        .mapToLong(l -> l.getExpiresInMs())
        .findFirst()
        .orElse(-1);
  }

  private QueueServer queueServer() throws Exception {
    Path tokens = dir.resolve("tokens");
    Files.writeString(
        tokens, ClientTokens.line(TOKEN, EnumSet.allOf(ClientTokens.Right.class), "tester") + "\n");
    QueueServer s =
        QueueServer.start(
            QueueServerSettings.defaults(
                    new InetSocketAddress("127.0.0.1", 0), SECRET, dir.resolve("spool"))
                .withService(ServiceSettings.defaults("", CLUSTER))
                .withJobs(new JobQueueSettings(100, 100, 1 << 20, LEASE, 5, 20))
                .withClientTokensFile(tokens),
            clock);
    toClose.add(s);
    return s;
  }

  private void worker(QueueServer server) {
    QueueWorker w =
        new QueueWorker(
            "n1",
            QueueWorker.Settings.defaults(List.of(server.localAddress()), CLUSTER, SECRET)
                .withSlots(1),
            runner,
            () ->
                NodeStatus.newBuilder()
                    .setNodeId("n1")
                    .setRole(NodeRole.LEADER)
                    .setTerm(1)
                    .setLeaderId("n1")
                    .setRaftAddress("127.0.0.1:7001")
                    .setHttpUrl("http://127.0.0.1:3001")
                    .build(),
            threads());
    toClose.add(w);
    w.start();
  }

  private static QueueConnection client(QueueServer s) throws Exception {
    return QueueConnection.open(
        new ServerAddress("127.0.0.1", s.localAddress().getPort()),
        Duration.ofSeconds(10),
        TOKEN,
        null);
  }

  private static ThreadFactory threads() {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, "waiting-jobs-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }
}
