package io.spindle.queue.service;

import static io.spindle.queue.service.ReplyFrames.error;
import static io.spindle.queue.service.ReplyFrames.errorReply;
import static io.spindle.queue.service.ReplyFrames.frame;

import com.google.protobuf.ByteString;
import io.spindle.protocol.queue.ClustersJob;
import io.spindle.protocol.queue.DeleteJob;
import io.spindle.protocol.queue.ErrorCode;
import io.spindle.protocol.queue.GroupOp;
import io.spindle.protocol.queue.Job;
import io.spindle.protocol.queue.ListJob;
import io.spindle.protocol.queue.NodeStatus;
import io.spindle.protocol.queue.Ping;
import io.spindle.protocol.queue.PingJob;
import io.spindle.protocol.queue.QueueProtocol;
import io.spindle.protocol.queue.ReadJob;
import io.spindle.protocol.queue.Reply;
import io.spindle.protocol.queue.Request;
import io.spindle.protocol.queue.WriteBegin;
import io.spindle.protocol.queue.WriteJob;
import io.spindle.queue.jobs.JobQueues;
import io.spindle.queue.jobs.QueueKind;
import io.spindle.queue.spool.ChunkSpool;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;

/**
 * A client's request, checked and turned into a job: request ids, names and limits are checked
 * (each refusal answered with its reason), a write is refused while the cluster is out of space or
 * the file is over its limit, an inline write is queued at once and a chunked one handed to {@link
 * ChunkedWrites}, and Status is answered on the spot.
 *
 * <p><b>Threading:</b> owned by {@link QueueService} and called from its core thread only; not
 * thread-safe. What may be computed off it (a request's fingerprint, an inline write's problem) is
 * computed by {@link QueueService} on the caller's thread before.
 */
final class ClientRequests {
  private static final int MAX_NAME_BYTES = 4096;

  /** The longest group name or member id, in bytes of UTF-8 (the node's rule too). */
  static final int MAX_GROUP_NAME_BYTES = 255;

  /** When a connection at its limit of requests in flight may try again. */
  private static final long IN_FLIGHT_RETRY_MS = 100;

  private final ServiceSettings config;
  private final ChunkSpool spool;
  private final JobQueues<Job> queues;
  private final NodeDirectory nodes;
  private final AnswerRouter answers;
  private final InFlightJobs inFlight;
  private final ChunkedWrites writes;
  private final CountAnswers countAnswers;
  private final StatusViews views;
  private final SecureRandom random = new SecureRandom();

  ClientRequests(
      ServiceSettings config,
      ChunkSpool spool,
      JobQueues<Job> queues,
      NodeDirectory nodes,
      AnswerRouter answers,
      InFlightJobs inFlight,
      ChunkedWrites writes,
      CountAnswers countAnswers,
      StatusViews views) {
    this.config = config;
    this.spool = spool;
    this.queues = queues;
    this.nodes = nodes;
    this.answers = answers;
    this.inFlight = inFlight;
    this.writes = writes;
    this.countAnswers = countAnswers;
    this.views = views;
  }

  /** A client's request, its fingerprint and (for an inline write) its problem computed. */
  void onRequest(Peer client, Request request, ByteString fingerprint, String inlineProblem) {
    String rid = request.getRequestId();
    if (rid.isEmpty() || rid.length() > QueueService.MAX_REQUEST_ID_LENGTH) {
      client.send(
          frame(
              errorReply(
                  rid,
                  error(
                      ErrorCode.INVALID_ARGUMENT,
                      "a request needs a request_id of 1 to "
                          + QueueService.MAX_REQUEST_ID_LENGTH
                          + " characters (a UUID)"))));
      return;
    }
    if (isReservedRequestId(rid)) {
      client.send(
          frame(
              errorReply(
                  rid,
                  error(
                      ErrorCode.INVALID_ARGUMENT,
                      "request ids beginning with join:, leave: or task: are the queue server's"
                          + " own; use another (a UUID)"))));
      return;
    }
    if (answers.waitingCount(client) >= config.maxRequestsInFlight()
        && !answers.isWaiting(rid, client)) {
      client.send(
          frame(
              errorReply(
                  rid,
                  error(
                      ErrorCode.BUSY,
                      "this connection has "
                          + config.maxRequestsInFlight()
                          + " requests under way, the most one connection may have; wait for"
                          + " their answers, or open another connection",
                      IN_FLIGHT_RETRY_MS))));
      return;
    }
    Duration timeout = config.queueTimeout();
    if (request.getTimeoutMs() > 0 && request.getTimeoutMs() < timeout.toMillis()) {
      timeout = Duration.ofMillis(request.getTimeoutMs());
    }
    switch (request.getOpCase()) {
      case WRITE_BEGIN ->
          onWriteBegin(client, rid, request.getWriteBegin(), fingerprint, inlineProblem, timeout);
      case WRITE_END -> writes.end(client, rid, request.getWriteEnd(), timeout);
      case READ -> {
        if (checkName(client, rid, request.getRead().getName())) {
          inFlight.submit(
              client,
              rid,
              fingerprint,
              QueueKind.SHARED,
              "read",
              Job.newBuilder()
                  .setRead(
                      ReadJob.newBuilder()
                          .setName(request.getRead().getName())
                          .setStale(request.getRead().getStale())),
              timeout);
        }
      }
      case LIST ->
          inFlight.submit(
              client,
              rid,
              fingerprint,
              QueueKind.SHARED,
              "list",
              Job.newBuilder()
                  .setList(
                      ListJob.newBuilder()
                          .setPrefix(request.getList().getPrefix())
                          .setStale(request.getList().getStale())),
              timeout);
      case COUNT -> {
        if (checkName(client, rid, request.getCount().getName())
            && checkTopWords(client, rid, request.getCount().getTopWords())) {
          inFlight.submit(
              client,
              rid,
              fingerprint,
              QueueKind.SHARED,
              "count",
              Job.newBuilder().setCount(countAnswers.withPrevious(request.getCount())),
              timeout);
        }
      }
      case DELETE -> {
        if (checkName(client, rid, request.getDelete().getName())) {
          inFlight.submit(
              client,
              rid,
              fingerprint,
              QueueKind.LEADER,
              "delete",
              Job.newBuilder()
                  .setDelete(DeleteJob.newBuilder().setName(request.getDelete().getName())),
              timeout);
        }
      }
      case PING -> {
        // The leader walks it: to its members, another cluster, or every cluster (forwarded ones
        // too, origin_cluster set, which only a federation member may send).
        Ping ping = request.getPing();
        inFlight.submit(
            client,
            rid,
            fingerprint,
            QueueKind.LEADER,
            "ping",
            Job.newBuilder()
                .setPing(
                    PingJob.newBuilder()
                        .setTargetCluster(ping.getTargetCluster())
                        .setAllClusters(ping.getAllClusters())
                        .setOriginCluster(ping.getOriginCluster())
                        .setHopLimit(ping.getHopLimit())
                        .setClusterTimeoutMs(ping.getClusterTimeoutMs())),
            timeout);
      }
      case CLUSTERS ->
          inFlight.submit(
              client,
              rid,
              fingerprint,
              QueueKind.SHARED,
              "clusters",
              Job.newBuilder().setClusters(ClustersJob.getDefaultInstance()),
              timeout);
      case GROUP -> onGroup(client, rid, request.getGroup(), fingerprint, timeout);
      case STATUS ->
          client.send(
              frame(Reply.newBuilder().setRequestId(rid).setStatus(views.buildStatus()).build()));
      case OP_NOT_SET ->
          client.send(
              frame(
                  errorReply(
                      rid,
                      error(
                          ErrorCode.INVALID_ARGUMENT,
                          "the request carries no operation (is the client newer than this"
                              + " queue server?)"))));
    }
  }

  /**
   * Group membership: join, renew and leave change the log, so they go to the leader queue; list
   * and show are reads any node answers, so they go to the shared queue. Only the sizes are bounded
   * here; the node checks the rules of names, addresses, leases and metadata.
   *
   * <p>A show that waits for a change holds its node's lease for up to a minute: the queue timeout
   * bounds only the time a job waits <em>queued</em>, and the node renews the leases of the jobs it
   * runs (a waiting show included), so neither ends it.
   */
  private void onGroup(
      Peer client, String rid, GroupOp op, ByteString fingerprint, Duration timeout) {
    QueueKind queue;
    switch (op.getOpCase()) {
      case JOIN, RENEW, LEAVE -> {
        if (!checkGroupName(client, rid, "group name", op.getGroup())
            || !checkGroupName(client, rid, "member id", op.getMemberId())) {
          return;
        }
        queue = QueueKind.LEADER;
      }
      case SHOW -> {
        if (!checkGroupName(client, rid, "group name", op.getGroup())) {
          return;
        }
        queue = QueueKind.SHARED;
      }
      case LIST -> queue = QueueKind.SHARED;
      default -> {
        client.send(
            frame(
                errorReply(
                    rid,
                    error(
                        ErrorCode.INVALID_ARGUMENT,
                        "a group request names its operation: join, renew, leave, list or show"
                            + " (is the client newer than this queue server?)"))));
        return;
      }
    }
    inFlight.submit(
        client, rid, fingerprint, queue, "group", Job.newBuilder().setGroup(op), timeout);
  }

  /**
   * Only a bound on what the queue server holds, as for file names: 1 to {@link
   * #MAX_GROUP_NAME_BYTES} bytes of UTF-8; the node checks the other rules.
   */
  private boolean checkGroupName(Peer client, String rid, String what, String value) {
    int bytes = value.getBytes(StandardCharsets.UTF_8).length;
    if (bytes > 0 && bytes <= MAX_GROUP_NAME_BYTES) {
      return true;
    }
    client.send(
        frame(
            errorReply(
                rid,
                error(
                    ErrorCode.INVALID_ARGUMENT,
                    bytes == 0
                        ? "a " + what + " must not be empty"
                        : "a "
                            + what
                            + " is at most "
                            + MAX_GROUP_NAME_BYTES
                            + " bytes of UTF-8; this one is "
                            + bytes))));
    return false;
  }

  /** The prefixes of the request ids the queue server gives its own jobs (joins, leaves, tasks). */
  private static boolean isReservedRequestId(String rid) {
    return rid.startsWith("join:") || rid.startsWith("leave:") || rid.startsWith("task:");
  }

  /**
   * Only a bound on what the queue server holds; the rules of a valid name are the node's, which
   * answers INVALID_ARGUMENT naming the broken rule.
   */
  private boolean checkName(Peer client, String rid, String name) {
    int bytes = name.getBytes(StandardCharsets.UTF_8).length;
    if (bytes == 0 || bytes > MAX_NAME_BYTES) {
      client.send(
          frame(
              errorReply(
                  rid,
                  error(
                      ErrorCode.INVALID_ARGUMENT,
                      bytes == 0
                          ? "a file name must not be empty"
                          : "a file name of " + bytes + " bytes is far too long"))));
      return false;
    }
    return true;
  }

  /** A count asks for 0 to {@link QueueProtocol#MAX_TOP_WORDS} top words (uint32 on the wire). */
  private boolean checkTopWords(Peer client, String rid, int topWords) {
    long top = Integer.toUnsignedLong(topWords);
    if (top > QueueProtocol.MAX_TOP_WORDS) {
      client.send(
          frame(
              errorReply(
                  rid,
                  error(
                      ErrorCode.INVALID_ARGUMENT,
                      "a count gives 0 to "
                          + QueueProtocol.MAX_TOP_WORDS
                          + " top words; "
                          + (topWords < 0 ? "a negative number" : top)
                          + " was asked for"))));
      return false;
    }
    return true;
  }

  private void onWriteBegin(
      Peer client,
      String rid,
      WriteBegin begin,
      ByteString fingerprint,
      String inlineProblem,
      Duration timeout) {
    if (!checkName(client, rid, begin.getName())) {
      return;
    }
    String tooLarge = overClusterLimit(begin);
    if (tooLarge != null) {
      client.send(frame(errorReply(rid, error(ErrorCode.INVALID_ARGUMENT, tooLarge))));
      return;
    }
    String noSpace = noSpaceForWrites();
    if (noSpace != null) {
      client.send(frame(errorReply(rid, error(ErrorCode.NO_SPACE, noSpace))));
      return;
    }
    if (begin.getChunkCount() == 0) {
      onInlineWrite(client, rid, begin, fingerprint, inlineProblem, timeout);
      return;
    }
    writes.begin(client, rid, begin, fingerprint, timeout);
  }

  /**
   * Why no write is taken now: the spool's disk, or a member's, is below its free-space watermark
   * (a member's disk holds a full copy of every file); null if there is room.
   */
  private String noSpaceForWrites() {
    String spoolProblem = spool.diskProblem();
    if (spoolProblem != null) {
      return spoolProblem;
    }
    return nodes
        .lowOnStorage()
        .map(
            s ->
                "node "
                    + s.getNodeId()
                    + "'s disk is below its free-space watermark ("
                    + s.getFreeStorageBytes()
                    + " bytes free): the cluster takes no writes until space is freed there;"
                    + " reads go on")
        .orElse(null);
  }

  /**
   * Why the cluster would refuse a file of this size (over the largest file its leader says it
   * stores), or null: refused before a chunk is spooled.
   */
  private String overClusterLimit(WriteBegin begin) {
    long limit =
        queues.leaderId().flatMap(nodes::statusOf).map(NodeStatus::getMaxFileBytes).orElse(0L);
    if (limit <= 0 || begin.getSize() <= limit) {
      return null;
    }
    return "'"
        + QueueService.printable(begin.getName())
        + "' is "
        + begin.getSize()
        + " bytes; this cluster stores files of at most "
        + limit
        + " bytes (its nodes' spindle.files.max-bytes)";
  }

  private void onInlineWrite(
      Peer client,
      String rid,
      WriteBegin begin,
      ByteString fingerprint,
      String problem,
      Duration timeout) {
    if (problem != null) {
      client.send(frame(errorReply(rid, error(ErrorCode.INVALID_ARGUMENT, problem))));
      return;
    }
    Job.Builder job =
        Job.newBuilder()
            .setWrite(
                WriteJob.newBuilder()
                    .setUploadId(newInlineUploadId())
                    .setName(begin.getName())
                    .setSize(begin.getSize())
                    .setSha256(begin.getSha256())
                    .setInlineData(begin.getInlineData()));
    inFlight.submit(client, rid, fingerprint, QueueKind.LEADER, "write", job, timeout);
  }

  private String newInlineUploadId() {
    byte[] b = new byte[16];
    random.nextBytes(b);
    return "u" + HexFormat.of().formatHex(b);
  }
}
