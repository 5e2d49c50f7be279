package io.spindle.node.application;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.spindle.node.domain.FileName;
import io.spindle.node.infrastructure.queue.NodeJobs;
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
class NodeJobsWriteTest {
  private static final long LIMIT = 10;

  private FileCluster cluster;
  private NodeJobs jobs;

  @BeforeEach
  void start() {
    cluster = new FileCluster(TestDatabase.Kind.H2, 1);
    FileCluster.Node node = cluster.leader();
    jobs =
        new NodeJobs(
            node.service,
            null,
            node::status,
            "127.0.0.1:0",
            node.httpUrl,
            null,
            () -> false,
            LIMIT);
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
