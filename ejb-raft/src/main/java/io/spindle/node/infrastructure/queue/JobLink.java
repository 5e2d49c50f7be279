package io.spindle.node.infrastructure.queue;

import io.spindle.protocol.queue.ChunkData;
import java.util.concurrent.CompletableFuture;

/**
 * The queue server link a job came by, as its {@link JobRunner} sees it: a write's chunks are
 * fetched from that queue server, and the tasks a job shares out (a count's ranges) are queued on
 * its shared queue, so that their results come back the way the job came.
 *
 * <p><b>Threading:</b> any thread (a job's thread); never blocks. <b>Errors:</b> futures fail with
 * an {@link java.io.IOException} when the link closes before the answer.
 */
public interface JobLink extends TaskSubmitter {
  /** The queue server's address, host:port. */
  String server();

  /** Fetches one chunk of the job's upload from the queue server the job came from. */
  CompletableFuture<ChunkData> fetch(String uploadId, int index);
}
