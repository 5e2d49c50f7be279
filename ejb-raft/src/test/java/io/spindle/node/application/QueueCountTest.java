package io.spindle.node.application;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spindle.node.domain.FileInfo;
import io.spindle.node.domain.FileName;
import io.spindle.node.domain.count.RangeCounts;
import io.spindle.node.domain.count.WcLocale;
import io.spindle.node.domain.count.WordTally;
import io.spindle.node.infrastructure.queue.LocalJobRunner;
import io.spindle.node.infrastructure.queue.QueueFileCounter;
import io.spindle.node.infrastructure.queue.QueueRangeCounter;
import io.spindle.node.infrastructure.queue.QueueWorker;
import io.spindle.node.infrastructure.queue.TaskSubmitter;
import io.spindle.node.infrastructure.store.TestDatabase;
import io.spindle.protocol.queue.CountJob;
import io.spindle.protocol.queue.Job;
import io.spindle.queue.QueueServer;
import io.spindle.queue.QueueServerSettings;
import io.spindle.queue.service.ServiceSettings;
import io.spindle.testkit.GnuWc;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The distributed count on real parts in one JVM: three nodes (Raft drivers, each on its own H2
 * database) with their {@link LocalJobRunner} and {@link QueueWorker}s stealing from a real {@link
 * QueueServer} over TCP. A coordinator's ranges go to the queue as tasks, every node counts some
 * from its own copy, and the merge equals GNU wc.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class QueueCountTest {
  private static final String CLUSTER = "queue-count";
  private static final byte[] SECRET =
      "queue-count-test-secret-0123456789abcdef".getBytes(StandardCharsets.UTF_8);

  @TempDir static Path spool;
  private FileCluster cluster;
  private QueueServer server;
  private final List<QueueWorker> workers = new ArrayList<>();
  private final List<CountService> counts = new ArrayList<>();
  private final List<LocalJobRunner> jobRunners = new ArrayList<>();
  private final AtomicInteger countJobs = new AtomicInteger();
  private byte[] text;

  @BeforeAll
  void start() throws Exception {
    assertTrue(GnuWc.available(), "GNU wc (coreutils) is needed to compare with");
    cluster = new FileCluster(TestDatabase.Kind.H2, 3);
    server =
        QueueServer.start(
            QueueServerSettings.defaults(new InetSocketAddress("127.0.0.1", 0), SECRET, spool)
                .withService(ServiceSettings.defaults("", CLUSTER)));
    text = CountServiceTest.mixedText(new Random(7), 3 << 20);
    for (FileCluster.Node node : cluster.nodes()) {
      QueueWorker[] worker = new QueueWorker[1];
      LocalRangeCounter local = new LocalRangeCounter(node.service, node.id.value(), 1 << 20);
      CountService service =
          new CountService(
              node.service,
              new QueueRangeCounter(
                  local, () -> Optional.<TaskSubmitter>ofNullable(worker[0]), 1 << 20),
              CountService.Settings.defaults().withRangeBytes(200_000),
              System::nanoTime,
              () -> node.status().configuration().all().size());
      LocalJobRunner jobs =
          new LocalJobRunner(
              node.service,
              service,
              node::status,
              "127.0.0.1:0",
              node.httpUrl,
              null,
              () -> false,
              LocalJobRunner.DEFAULT_MAX_FILE_BYTES,
              io.spindle.node.application.StorageWatermark.ALWAYS_ROOM);
      worker[0] =
          new QueueWorker(
              node.id.value(),
              QueueWorker.Settings.defaults(List.of(server.localAddress()), CLUSTER, SECRET),
              (job, chunks) -> {
                if (job.hasCount()) {
                  countJobs.incrementAndGet();
                }
                return jobs.run(job, chunks);
              },
              jobs::nodeStatus,
              threads("worker-" + node.id + "-"));
      worker[0].start();
      workers.add(worker[0]);
      counts.add(service);
      jobRunners.add(jobs);
    }
    for (QueueWorker w : workers) {
      long deadline = System.nanoTime() + 20_000_000_000L;
      while (!w.connected()) {
        assertTrue(System.nanoTime() < deadline, "a worker connects to the queue server");
        Thread.onSpinWait();
      }
    }
  }

  @AfterAll
  void stop() {
    workers.forEach(QueueWorker::close);
    if (server != null) {
      server.close();
    }
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void rangesGoThroughTheQueueEveryNodeCountsSomeAndTheMergeEqualsWc() throws Exception {
    FileInfo stored = cluster.put(FileName.of("queue/mixed.txt"), text);
    cluster.awaitConverged();
    CountService coordinator = counts.get(1);
    for (WcLocale locale : WcLocale.values()) {
      CountResult result = coordinator.count(stored.name(), locale, 10).orElseThrow();
      long[] wc = CountServiceTest.wc(locale, text);
      RangeCounts c = result.counts();
      assertEquals(
          Arrays.toString(wc),
          Arrays.toString(new long[] {c.lines(), c.words(), c.chars(), c.bytes()}),
          "lines/words/chars/bytes in " + locale);
      assertEquals(WordTally.of(locale, text).top(10), result.top(), "top words in " + locale);
      assertFalse(result.cached());
      // 3 MiB in ranges of at most 200,000 bytes, a multiple of the three nodes.
      assertEquals(18, result.ranges().size(), result.ranges()::toString);
      Set<String> counters =
          result.ranges().stream().map(CountResult.CountedRange::node).collect(Collectors.toSet());
      assertTrue(counters.size() >= 2, "several nodes counted ranges: " + result.ranges());
    }
  }

  @Test
  void aCountJobReusesTheLastAnswerOnlyWhileTheFileHasTheSameContent() throws Exception {
    byte[] before = "eins zwei drei\n".repeat(1000).getBytes(StandardCharsets.UTF_8);
    cluster.put(FileName.of("queue/again.txt"), before);
    cluster.awaitConverged();
    Job job =
        Job.newBuilder()
            .setJobId(1)
            .setRequestId("count-again")
            .setCount(CountJob.newBuilder().setName("queue/again.txt").setLocale("c"))
            .build();
    io.spindle.protocol.queue.CountResult first =
        jobRunners.get(2).run(job, null).build().getCount();
    assertFalse(first.getCached());
    assertEquals(3000, first.getWords());
    Job repeat = job.toBuilder().setCount(job.getCount().toBuilder().setPrevious(first)).build();

    // Another node, handed that answer by the queue server, gives it without counting.
    io.spindle.protocol.queue.CountResult reused =
        jobRunners.get(0).run(repeat, null).build().getCount();
    assertTrue(reused.getCached());
    assertEquals(first.toBuilder().setCached(true).build(), reused);

    // The file changes: the last answer is stale and the node counts the new content.
    byte[] after = "eins zwei\n".repeat(1000).getBytes(StandardCharsets.UTF_8);
    cluster.put(FileName.of("queue/again.txt"), after);
    cluster.awaitConverged();
    io.spindle.protocol.queue.CountResult recounted =
        jobRunners.get(0).run(repeat, null).build().getCount();
    assertFalse(recounted.getCached());
    assertEquals(2000, recounted.getWords());
  }

  @Test
  void aCountAskedOfANodeGoesThroughTheSharedQueueAndItsAnswerServesEveryNode() throws Exception {
    byte[] content = CountServiceTest.mixedText(new Random(11), 1 << 20);
    FileInfo stored = cluster.put(FileName.of("queue/asked.txt"), content);
    cluster.awaitConverged();
    FileCounter askedOfN1 = askedOf(0);
    FileCounter askedOfN3 = askedOf(2);
    int countJobsBefore = countJobsQueued();

    CountResult first = askedOfN1.count(stored.name(), WcLocale.UTF8, 5).orElseThrow();
    long[] wc = CountServiceTest.wc(WcLocale.UTF8, content);
    RangeCounts c = first.counts();
    assertEquals(
        Arrays.toString(wc),
        Arrays.toString(new long[] {c.lines(), c.words(), c.chars(), c.bytes()}));
    assertEquals(WordTally.of(WcLocale.UTF8, content).top(5), first.top());
    assertEquals(stored, first.file(), "the answer names the file as stored");
    assertFalse(first.cached());
    assertTrue(first.ranges().size() >= 3, first.ranges()::toString);
    assertEquals(1, countJobsQueued() - countJobsBefore, "the count went to the shared queue");

    // Asked of another node, the same count is the queue server's last answer, reused.
    CountResult again = askedOfN3.count(stored.name(), WcLocale.UTF8, 5).orElseThrow();
    assertTrue(again.cached(), "counting the same content again is a look-up on any node");
    assertEquals(first.counts(), again.counts());
    assertEquals(first.top(), again.top());
    assertEquals(first.ranges(), again.ranges(), "it still says who counted what");

    assertEquals(Optional.empty(), askedOfN1.count(FileName.of("queue/none.txt"), WcLocale.C, 0));
  }

  @Test
  void withoutAQueueConnectionACountIsCoordinatedHere() throws Exception {
    byte[] content = "one two three\n".repeat(100_000).getBytes(StandardCharsets.US_ASCII);
    FileInfo stored = cluster.put(FileName.of("queue/alone.txt"), content);
    cluster.awaitConverged();
    CountService here =
        new CountService(
            cluster.nodes().get(1).service,
            new LocalRangeCounter(cluster.nodes().get(1).service, "alone", 1000),
            CountService.Settings.defaults().withRangeBytes(200_000));
    int countJobsBefore = countJobsQueued();

    CountResult result =
        new QueueFileCounter(here, Optional::empty, System::nanoTime)
            .count(stored.name(), WcLocale.C, 0)
            .orElseThrow();

    assertEquals(300_000, result.counts().words());
    assertTrue(
        result.ranges().stream().allMatch(r -> r.node().equals("alone")),
        result.ranges()::toString);
    assertEquals(countJobsBefore, countJobsQueued(), "nothing went to the queue");
  }

  private FileCounter askedOf(int node) {
    QueueWorker worker = workers.get(node);
    return new QueueFileCounter(
        counts.get(node), () -> Optional.<TaskSubmitter>of(worker), System::nanoTime);
  }

  /** The count jobs the nodes have taken from the queue server. */
  private int countJobsQueued() {
    return countJobs.get();
  }

  @Test
  void withoutTopWordsNoWordsAreTalliedAndTheCountsStayExact() throws Exception {
    byte[] content =
        "Grüße aus\u00a0Köln, zwei\tdrei\n".repeat(40_000).getBytes(StandardCharsets.UTF_8);
    FileInfo stored = cluster.put(FileName.of("queue/plain.txt"), content);
    cluster.awaitConverged();
    CountResult result = counts.get(0).count(stored.name(), WcLocale.UTF8, 0).orElseThrow();
    long[] wc = CountServiceTest.wc(WcLocale.UTF8, content);
    assertEquals(wc[1], result.counts().words());
    assertEquals(wc[2], result.counts().chars());
    assertEquals(List.of(), result.top());
    assertTrue(result.ranges().size() > 1);
  }

  @Test
  void aRangeOfContentThatIsGoneFailsTheCountAsChanged() throws Exception {
    FileName name = FileName.of("queue/gone.txt");
    FileInfo stored =
        cluster.put(name, "a b c ".repeat(100_000).getBytes(StandardCharsets.US_ASCII));
    cluster.awaitConverged();
    cluster.put(name, "replaced".getBytes(StandardCharsets.US_ASCII));
    cluster.awaitConverged();
    QueueRangeCounter counter =
        new QueueRangeCounter(
            new LocalRangeCounter(cluster.nodes().get(0).service, "n1", 1000),
            () -> Optional.of(workers.get(0)),
            1000);
    RangeTask task =
        new RangeTask(name, stored.sha256(), stored.size(), WcLocale.C, 1, 1000, 2000, false);
    Throwable failure =
        assertThrows(Exception.class, () -> counter.count(task).toCompletableFuture().join());
    assertTrue(failure.getCause() instanceof FileChangedException, () -> String.valueOf(failure));
  }

  private static ThreadFactory threads(String prefix) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, prefix + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }
}
