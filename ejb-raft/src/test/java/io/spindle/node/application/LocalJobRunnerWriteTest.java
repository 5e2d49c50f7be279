package io.spindle.node.application;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.spindle.node.domain.FileName;
import io.spindle.node.infrastructure.queue.LocalJobRunner;
import io.spindle.node.infrastructure.store.TestDatabase;
import io.spindle.protocol.queue.ErrorCode;
import io.spindle.protocol.queue.Job;
import io.spindle.protocol.queue.JobResult;
import io.spindle.protocol.queue.WriteJob;
import java.security.MessageDigest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Write jobs from the queue against a node's real store (one Raft node on H2). */
class LocalJobRunnerWriteTest {
  private static final long LIMIT = 10;

  private FileCluster cluster;
  private LocalJobRunner jobs;

  @BeforeEach
  void start() {
    cluster = new FileCluster(TestDatabase.Kind.H2, 1);
    FileCluster.Node node = cluster.leader();
    jobs =
        new LocalJobRunner(
            node.service,
            null,
            node::status,
            "127.0.0.1:0",
            node.httpUrl,
            null,
            () -> false,
            LIMIT,
            io.spindle.node.application.StorageWatermark.ALWAYS_ROOM);
  }

  @AfterEach
  void stop() {
    cluster.close();
  }

  @Test
  void aWriteOverTheNodesFileLimitIsRefusedAndStoresNothing() throws Exception {
    JobResult over = write("w1", "over.txt", new byte[(int) LIMIT + 1]).build();
    assertEquals(ErrorCode.INVALID_ARGUMENT, over.getError().getCode(), over.toString());
    assertTrue(
        over.getError()
            .getMessage()
            .contains("'over.txt' is 11 bytes; this cluster stores files of at most 10 bytes"),
        over.getError().getMessage());
    assertTrue(cluster.leader().service.stat(FileName.of("over.txt"), false).isEmpty());

    JobResult atLimit = write("w2", "at-limit.txt", new byte[(int) LIMIT]).build();
    assertEquals(LIMIT, atLimit.getWritten().getSize(), atLimit.toString());
    assertEquals(
        LIMIT,
        jobs.nodeStatus().getMaxFileBytes(),
        "the status tells the queue server the limit, to refuse larger writes up front");
  }

  // Issue 13: a disk never fills silently. Below the free-space watermark a write job is refused
  // with NO_SPACE and stores nothing, the status tells the queue server, and reads go on.
  @Test
  void aWriteIsRefusedWhileTheDiskIsUnderItsWatermarkAndReadsGoOn() throws Exception {
    long[] free = {1_000};
    StorageWatermark disk =
        new StorageWatermark() {
          @Override
          public long freeBytes() {
            return free[0];
          }

          @Override
          public java.util.Optional<String> writeProblem() {
            return free[0] < 500
                ? java.util.Optional.of("the disk of node n1 has " + free[0] + " bytes free")
                : java.util.Optional.empty();
          }
        };
    FileCluster.Node node = cluster.leader();
    jobs =
        new LocalJobRunner(
            node.service,
            null,
            node::status,
            "127.0.0.1:0",
            node.httpUrl,
            null,
            () -> false,
            LIMIT,
            disk);
    assertEquals(3, write("w1", "before.txt", new byte[3]).build().getWritten().getSize());
    assertEquals(false, jobs.nodeStatus().getLowOnStorage());

    free[0] = 100;
    JobResult refused = write("w2", "after.txt", new byte[3]).build();
    assertEquals(ErrorCode.NO_SPACE, refused.getError().getCode(), refused.toString());
    assertTrue(refused.getError().getMessage().contains("100 bytes free"), refused.toString());
    assertTrue(node.service.stat(FileName.of("after.txt"), false).isEmpty(), "nothing stored");
    assertTrue(jobs.nodeStatus().getLowOnStorage(), "the queue server is told");
    assertEquals(100, jobs.nodeStatus().getFreeStorageBytes());
    assertTrue(node.service.stat(FileName.of("before.txt"), false).isPresent(), "reads go on");
  }

  private JobResult.Builder write(String requestId, String name, byte[] data) throws Exception {
    return jobs.run(
        Job.newBuilder()
            .setJobId(1)
            .setRequestId(requestId)
            .setWrite(
                WriteJob.newBuilder()
                    .setName(name)
                    .setSize(data.length)
                    .setUploadId("inline-" + requestId)
                    .setSha256(
                        ByteString.copyFrom(MessageDigest.getInstance("SHA-256").digest(data)))
                    .setInlineData(ByteString.copyFrom(data)))
            .build(),
        null);
  }
}
