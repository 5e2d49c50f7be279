package io.spindle.node.infrastructure.queue;

import com.google.protobuf.ByteString;
import io.spindle.node.application.ClusterUnavailableException;
import io.spindle.node.application.CountService;
import io.spindle.node.application.FileService;
import io.spindle.node.application.GroupService;
import io.spindle.node.application.NotLeaderException;
import io.spindle.node.application.RequestIdConflictException;
import io.spindle.node.application.StorageWatermark;
import io.spindle.node.domain.FileInfo;
import io.spindle.node.domain.FileLayout;
import io.spindle.node.domain.FileName;
import io.spindle.node.domain.InvalidFileNameException;
import io.spindle.node.infrastructure.federation.GlobalPing;
import io.spindle.node.infrastructure.membership.Membership;
import io.spindle.protocol.queue.ChunkInfo;
import io.spindle.protocol.queue.DeleteResult;
import io.spindle.protocol.queue.ErrorCode;
import io.spindle.protocol.queue.Holder;
import io.spindle.protocol.queue.Job;
import io.spindle.protocol.queue.JobResult;
import io.spindle.protocol.queue.JoinJob;
import io.spindle.protocol.queue.JoinResult;
import io.spindle.protocol.queue.LeaveResult;
import io.spindle.protocol.queue.ListResult;
import io.spindle.protocol.queue.NodeStatus;
import io.spindle.protocol.queue.ReadResult;
import io.spindle.protocol.queue.WriteJob;
import io.spindle.raft.NodeId;
import io.spindle.raft.server.RaftException;
import io.spindle.raft.server.RaftStatus;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import javax.net.ssl.SSLContext;

/**
 * The {@link JobRunner} of this node: does the jobs its {@link QueueWorker} stole against this
 * node's file store: writes and deletes (on the leader only; anywhere else they go back to the
 * queue), reads (the file's chunk list and the nodes that hold it), lists, counts as {@code wc}
 * does (whole files as their coordinator, and the ranges of any node's count), pings of every
 * member, and group membership ({@link GroupJobRunner}: changes on the leader, lists and shows on
 * any node, and a show that waits for a change without holding a job thread).
 */
public final class LocalJobRunner implements JobRunner {
  private static final HexFormat HEX = HexFormat.of();

  private final FileService files;
  private final CountJobRunner counts;
  private final Supplier<RaftStatus> status;
  private final URI httpUrl;
  private final Membership membership;
  private final long maxFileBytes;
  private final StorageWatermark disk;
  private final HttpClient http;
  private final NodeStatusReporter statusReporter;
  private final PingJobRunner pings;
  private final GroupJobRunner groups;
  private volatile Supplier<GroupService> groupService = () -> null;

  /** The largest file a node stores unless configured otherwise (spindle.files.max-bytes). */
  public static final long DEFAULT_MAX_FILE_BYTES = 4L << 30;

  /**
   * @param membership the leader's side of joins and leaves
   * @param leaving whether this node is stopping for good and asks to be removed (reported in its
   *     status)
   * @param maxFileBytes the largest file this node stores: a larger write job is refused, and the
   *     node's status says it so that the queue server refuses such a write up front
   */
  public LocalJobRunner(
      FileService files,
      CountService counts,
      Supplier<RaftStatus> status,
      String raftAddress,
      URI httpUrl,
      Membership membership,
      BooleanSupplier leaving,
      long maxFileBytes,
      StorageWatermark disk) {
    this(
        files, counts, status, raftAddress, httpUrl, membership, leaving, maxFileBytes, disk, null);
  }

  /**
   * @param https what an https member address is checked with (the cluster's CA), or null for the
   *     JDK's defaults
   */
  public LocalJobRunner(
      FileService files,
      CountService counts,
      Supplier<RaftStatus> status,
      String raftAddress,
      URI httpUrl,
      Membership membership,
      BooleanSupplier leaving,
      long maxFileBytes,
      StorageWatermark disk,
      SSLContext https) {
    HttpClient.Builder client =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2));
    if (https != null) {
      client.sslContext(https);
    }
    this.http = client.build();
    this.pings = new PingJobRunner(status, new GlobalPing("", status, httpUrl, http, null, null));
    if (maxFileBytes < 0) {
      throw new IllegalArgumentException("the largest file is not negative: " + maxFileBytes);
    }
    this.maxFileBytes = maxFileBytes;
    this.disk = disk;
    this.files = files;
    this.counts = new CountJobRunner(files, counts, status);
    this.status = status;
    this.httpUrl = httpUrl;
    this.membership = membership;
    this.groups = new GroupJobRunner(() -> groupService.get(), () -> status.get().id().toString());
    this.statusReporter =
        new NodeStatusReporter(status, raftAddress, httpUrl, leaving, maxFileBytes, disk);
  }

  /** What this node tells the queue server about itself with every steal and renewal. */
  public NodeStatus nodeStatus() {
    return statusReporter.report();
  }

  /**
   * Uses {@code ping} for pings and the route table from now on (the runtime gives it this
   * cluster's id and the federation's routes).
   */
  public void useGlobalPing(GlobalPing ping) {
    pings.use(ping);
  }

  /**
   * Does group membership jobs against {@code service} from now on (the runtime passes its getter:
   * the service may come later than this runner; until then group jobs are answered UNAVAILABLE).
   */
  public void useGroups(Supplier<GroupService> service) {
    groupService = Objects.requireNonNull(service, "service");
  }

  /** A show of a group that waits for a change waits without a thread; the rest as {@link #run}. */
  @Override
  public CompletableFuture<JobResult.Builder> start(Job job, JobLink link, Executor finishOn) {
    if (job.hasGroup()) {
      return groups.start(job.getGroup(), finishOn);
    }
    return JobRunner.super.start(job, link, finishOn);
  }

  @Override
  public JobResult.Builder run(Job job, JobLink link) {
    try {
      return switch (job.getKindCase()) {
        case WRITE -> write(job, link);
        case DELETE -> delete(job);
        case READ -> read(job);
        case LIST -> list(job);
        case COUNT -> counts.count(job, link);
        case COUNT_RANGE -> counts.countRange(job);
        case PING -> pings.ping(job);
        case CLUSTERS -> pings.clusters();
        case JOIN -> join(job);
        case LEAVE -> leave(job);
        case GROUP -> groups.run(job.getGroup());
        default ->
            FailedJobResult.of(
                ErrorCode.INVALID_ARGUMENT,
                "this node does not know jobs of that kind; upgrade it");
      };
    } catch (InvalidFileNameException e) {
      return FailedJobResult.of(ErrorCode.INVALID_ARGUMENT, "bad file name: " + e.getMessage());
    } catch (RequestIdConflictException e) {
      return FailedJobResult.of(ErrorCode.INVALID_ARGUMENT, e.getMessage());
    } catch (Membership.NotNowException e) {
      pauseBeforeGivingBack();
      throw new CannotRunHereException(e.getMessage());
    } catch (NotLeaderException e) {
      throw new CannotRunHereException("node " + status.get().id() + " is not the leader");
    } catch (ClusterUnavailableException | RaftException e) {
      throw new CannotRunHereException("node " + status.get().id() + " cannot do it now: " + e);
    }
  }

  private JobResult.Builder write(Job job, JobLink link) {
    WriteJob w = job.getWrite();
    FileName name = FileName.of(w.getName());
    if (!status.get().isLeader()) {
      throw new CannotRunHereException("node " + status.get().id() + " is not the leader");
    }
    Optional<String> full = disk.writeProblem();
    if (full.isPresent()) {
      return FailedJobResult.of(ErrorCode.NO_SPACE, full.get());
    }
    if (w.getSize() > maxFileBytes) {
      return FailedJobResult.of(
          ErrorCode.INVALID_ARGUMENT,
          "'"
              + name
              + "' is "
              + w.getSize()
              + " bytes; this cluster stores files of at most "
              + maxFileBytes
              + " bytes (spindle.files.max-bytes)");
    }
    InputStream content =
        w.getChunkCount() == 0
            ? w.getInlineData().newInput()
            : new FetchedUploadStream(w, link::fetch);
    FileInfo stored;
    try {
      stored = files.put(name, content, w.getSize(), job.getRequestId());
    } catch (FetchedUploadStream.UploadGoneException e) {
      return FailedJobResult.of(ErrorCode.UPLOAD_EXPIRED, e.getMessage());
    } catch (IOException e) {
      throw new CannotRunHereException("reading the upload from the queue server failed: " + e);
    }
    if (!w.getSha256().isEmpty()
        && !HEX.formatHex(w.getSha256().toByteArray()).equals(stored.sha256())) {
      // The chunks were checked one by one, and the store refuses a request id bound to other
      // content; this only happens to one applied before request ids were bound.
      return FailedJobResult.of(
          ErrorCode.INVALID_ARGUMENT,
          "request id " + job.getRequestId() + " was already used for other content");
    }
    return JobResult.newBuilder().setWritten(CountMessages.toMessage(stored));
  }

  /**
   * A membership job given back returns to the front of the leader queue, and this leader would
   * take it again at once: a short pause lets the pending change commit first.
   */
  private static void pauseBeforeGivingBack() {
    try {
      Thread.sleep(200);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** On the leader: the announced node becomes a learner, unless it is a member already. */
  private JobResult.Builder join(Job job) {
    JoinJob j = job.getJoin();
    NodeId id;
    URI url;
    try {
      id = NodeId.of(j.getNodeId());
      url = URI.create(j.getHttpUrl());
    } catch (IllegalArgumentException e) {
      return FailedJobResult.of(ErrorCode.INVALID_ARGUMENT, "bad join request: " + e.getMessage());
    }
    if (j.getRaftAddress().isEmpty() || j.getRaftAddress().indexOf(';') >= 0) {
      return FailedJobResult.of(
          ErrorCode.INVALID_ARGUMENT,
          "bad join request: raft address '" + j.getRaftAddress() + "'");
    }
    Membership.Joined joined = membership.join(id, j.getRaftAddress(), url);
    return JobResult.newBuilder()
        .setJoined(JoinResult.newBuilder().setNodeId(id.toString()).setVoter(joined.voter()));
  }

  /** On the leader: the leaving node is removed from the configuration. */
  private JobResult.Builder leave(Job job) {
    NodeId id;
    try {
      id = NodeId.of(job.getLeave().getNodeId());
    } catch (IllegalArgumentException e) {
      return FailedJobResult.of(ErrorCode.INVALID_ARGUMENT, "bad leave request: " + e.getMessage());
    }
    membership.leave(id);
    return JobResult.newBuilder().setLeft(LeaveResult.newBuilder().setNodeId(id.toString()));
  }

  private JobResult.Builder delete(Job job) {
    FileName name = FileName.of(job.getDelete().getName());
    if (!status.get().isLeader()) {
      throw new CannotRunHereException("node " + status.get().id() + " is not the leader");
    }
    if (!files.delete(name, job.getRequestId())) {
      return FailedJobResult.notFound(name);
    }
    return JobResult.newBuilder()
        .setDeleted(
            DeleteResult.newBuilder()
                .setName(name.value())
                .setCommitIndex(status.get().appliedIndex()));
  }

  private JobResult.Builder read(Job job) {
    FileName name = FileName.of(job.getRead().getName());
    Optional<FileLayout> layout = files.layout(name, job.getRead().getStale());
    if (layout.isEmpty()) {
      return FailedJobResult.notFound(name);
    }
    ReadResult.Builder r =
        ReadResult.newBuilder().setFile(CountMessages.toMessage(layout.get().file()));
    for (io.spindle.node.domain.ChunkInfo c : layout.get().chunks()) {
      r.addChunks(
          ChunkInfo.newBuilder()
              .setIndex(c.index())
              .setSize(c.size())
              .setSha256(ByteString.copyFrom(HEX.parseHex(c.sha256()))));
    }
    RaftStatus s = status.get();
    r.addHolders(Holder.newBuilder().setNodeId(s.id().toString()).setHttpUrl(httpUrl.toString()));
    for (io.spindle.raft.Member m : s.configuration().all()) {
      if (!m.id().equals(s.id())) {
        NodeStatusReporter.address(m)
            .ifPresent(
                a ->
                    r.addHolders(
                        Holder.newBuilder()
                            .setNodeId(m.id().toString())
                            .setHttpUrl(a.httpUrl().toString())));
      }
    }
    return JobResult.newBuilder().setRead(r);
  }

  private JobResult.Builder list(Job job) {
    String prefix = job.getList().getPrefix();
    ListResult.Builder r = ListResult.newBuilder();
    for (FileInfo f : files.list(job.getList().getStale())) {
      if (f.name().value().startsWith(prefix)) {
        r.addFiles(CountMessages.toMessage(f));
      }
    }
    return JobResult.newBuilder().setList(r);
  }

  // ---------------------------------------------------------------- helpers

}
