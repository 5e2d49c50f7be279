package io.spindle.node.infrastructure.queue;

import com.google.protobuf.ByteString;
import io.spindle.node.application.ClusterUnavailableException;
import io.spindle.node.application.CountService;
import io.spindle.node.application.FileChangedException;
import io.spindle.node.application.FileService;
import io.spindle.node.application.LocalRangeCounter;
import io.spindle.node.application.NotLeaderException;
import io.spindle.node.application.RangeTask;
import io.spindle.node.application.RequestIdConflictException;
import io.spindle.node.application.StorageWatermark;
import io.spindle.node.domain.FileInfo;
import io.spindle.node.domain.FileLayout;
import io.spindle.node.domain.FileName;
import io.spindle.node.domain.InvalidFileNameException;
import io.spindle.node.domain.MemberAddress;
import io.spindle.node.domain.count.WcLocale;
import io.spindle.node.domain.count.WordTally;
import io.spindle.node.infrastructure.federation.GlobalPing;
import io.spindle.node.infrastructure.membership.Membership;
import io.spindle.protocol.queue.ChunkInfo;
import io.spindle.protocol.queue.CountJob;
import io.spindle.protocol.queue.CountResult;
import io.spindle.protocol.queue.DeleteResult;
import io.spindle.protocol.queue.ErrorCode;
import io.spindle.protocol.queue.Holder;
import io.spindle.protocol.queue.Job;
import io.spindle.protocol.queue.JobResult;
import io.spindle.protocol.queue.JoinJob;
import io.spindle.protocol.queue.JoinResult;
import io.spindle.protocol.queue.LeaveResult;
import io.spindle.protocol.queue.ListResult;
import io.spindle.protocol.queue.Member;
import io.spindle.protocol.queue.MemberProgress;
import io.spindle.protocol.queue.NodeRole;
import io.spindle.protocol.queue.NodeStatus;
import io.spindle.protocol.queue.PingJob;
import io.spindle.protocol.queue.QueueError;
import io.spindle.protocol.queue.ReadResult;
import io.spindle.protocol.queue.WriteJob;
import io.spindle.raft.NodeId;
import io.spindle.raft.server.RaftException;
import io.spindle.raft.server.RaftStatus;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Objects;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import javax.net.ssl.SSLContext;

/**
 * The {@link JobRunner} of this node: does the jobs its {@link QueueWorker} stole against this
 * node's file store: writes and deletes (on the leader only; anywhere else they go back to the
 * queue), reads (the file's chunk list and the nodes that hold it), lists, counts as {@code wc}
 * does (whole files as their coordinator, and the ranges of any node's count), and pings of every
 * member.
 */
public final class LocalJobRunner implements JobRunner {
  private static final HexFormat HEX = HexFormat.of();

  private final FileService files;
  private final CountService counts;
  private final Supplier<RaftStatus> status;
  private final String raftAddress;
  private final URI httpUrl;
  private final Membership membership;
  private final BooleanSupplier leaving;
  private final long maxFileBytes;
  private final StorageWatermark disk;
  private final HttpClient http;
  private volatile GlobalPing globalPing;

  /** The longest a ping may give one other cluster to answer. */
  private static final long MAX_CLUSTER_TIMEOUT_MS = 60_000;

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
    this.globalPing = new GlobalPing("", status, httpUrl, http, null, null);
    if (maxFileBytes < 0) {
      throw new IllegalArgumentException("the largest file is not negative: " + maxFileBytes);
    }
    this.maxFileBytes = maxFileBytes;
    this.disk = disk;
    this.files = files;
    this.counts = counts;
    this.status = status;
    this.raftAddress = raftAddress;
    this.httpUrl = httpUrl;
    this.membership = membership;
    this.leaving = leaving;
  }

  /** What this node tells the queue server about itself with every steal and renewal. */
  public NodeStatus nodeStatus() {
    RaftStatus s = status.get();
    NodeStatus.Builder b =
        NodeStatus.newBuilder()
            .setNodeId(s.id().toString())
            .setRole(role(s))
            .setTerm(s.term())
            .setLeaderId(s.leader().map(NodeId::toString).orElse(""))
            .setCommitIndex(s.commitIndex())
            .setAppliedIndex(s.appliedIndex())
            .setRaftAddress(raftAddress)
            .setHttpUrl(httpUrl.toString())
            .setLeaving(leaving.getAsBoolean())
            .setMaxFileBytes(maxFileBytes)
            .setFreeStorageBytes(disk.freeBytes() == Long.MAX_VALUE ? 0 : disk.freeBytes())
            .setLowOnStorage(disk.isLow())
            .setLastIndex(s.lastIndex());
    s.matchIndex()
        .forEach(
            (peer, match) ->
                b.addProgress(
                    MemberProgress.newBuilder().setNodeId(peer.toString()).setMatchIndex(match)));
    for (io.spindle.raft.Member m : s.configuration().all()) {
      Member.Builder member =
          Member.newBuilder()
              .setNodeId(m.id().toString())
              .setVoter(s.configuration().isVoter(m.id()));
      address(m)
          .ifPresentOrElse(
              a -> member.setRaftAddress(a.raftAddress()).setHttpUrl(a.httpUrl().toString()),
              () -> member.setRaftAddress(m.address()));
      b.addMembers(member);
    }
    return b.build();
  }

  private static NodeRole role(RaftStatus s) {
    if (!s.running()) {
      return NodeRole.NODE_ROLE_UNSPECIFIED;
    }
    if (s.configuration().isLearner(s.id())) {
      return NodeRole.LEARNER;
    }
    return switch (s.role()) {
      case LEADER -> NodeRole.LEADER;
      case CANDIDATE, PRE_CANDIDATE -> NodeRole.CANDIDATE;
      default -> NodeRole.FOLLOWER;
    };
  }

  @Override
  public JobResult.Builder run(Job job, QueueWorker.ChunkFetcher chunks) {
    try {
      return switch (job.getKindCase()) {
        case WRITE -> write(job, chunks);
        case DELETE -> delete(job);
        case READ -> read(job);
        case LIST -> list(job);
        case COUNT -> count(job);
        case COUNT_RANGE -> countRange(job);
        case PING -> ping(job);
        case CLUSTERS -> clusters();
        case JOIN -> join(job);
        case LEAVE -> leave(job);
        default ->
            error(
                ErrorCode.INVALID_ARGUMENT,
                "this node does not know jobs of that kind; upgrade it");
      };
    } catch (InvalidFileNameException e) {
      return error(ErrorCode.INVALID_ARGUMENT, "bad file name: " + e.getMessage());
    } catch (RequestIdConflictException e) {
      return error(ErrorCode.INVALID_ARGUMENT, e.getMessage());
    } catch (Membership.NotNowException e) {
      pauseBeforeGivingBack();
      throw new CannotRunHereException(e.getMessage());
    } catch (NotLeaderException e) {
      throw new CannotRunHereException("node " + status.get().id() + " is not the leader");
    } catch (ClusterUnavailableException | RaftException e) {
      throw new CannotRunHereException("node " + status.get().id() + " cannot do it now: " + e);
    }
  }

  private JobResult.Builder write(Job job, QueueWorker.ChunkFetcher chunks) {
    WriteJob w = job.getWrite();
    FileName name = FileName.of(w.getName());
    if (!status.get().isLeader()) {
      throw new CannotRunHereException("node " + status.get().id() + " is not the leader");
    }
    Optional<String> full = disk.writeProblem();
    if (full.isPresent()) {
      return error(ErrorCode.NO_SPACE, full.get());
    }
    if (w.getSize() > maxFileBytes) {
      return error(
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
            ? new ByteArrayInputStream(w.getInlineData().toByteArray())
            : new FetchedUploadStream(w, chunks);
    FileInfo stored;
    try {
      stored = files.put(name, content, w.getSize(), job.getRequestId());
    } catch (FetchedUploadStream.UploadGoneException e) {
      return error(ErrorCode.UPLOAD_EXPIRED, e.getMessage());
    } catch (IOException e) {
      throw new CannotRunHereException("reading the upload from the queue server failed: " + e);
    }
    if (!w.getSha256().isEmpty()
        && !HEX.formatHex(w.getSha256().toByteArray()).equals(stored.sha256())) {
      // The chunks were checked one by one, and the store refuses a request id bound to other
      // content; this only happens to one applied before request ids were bound.
      return error(
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
      return error(ErrorCode.INVALID_ARGUMENT, "bad join request: " + e.getMessage());
    }
    if (j.getRaftAddress().isEmpty() || j.getRaftAddress().indexOf(';') >= 0) {
      return error(
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
      return error(ErrorCode.INVALID_ARGUMENT, "bad leave request: " + e.getMessage());
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
      return notFound(name);
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
      return notFound(name);
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
        address(m)
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

  private JobResult.Builder count(Job job) {
    FileName name = FileName.of(job.getCount().getName());
    WcLocale locale;
    try {
      locale = CountRangeMessages.locale(job.getCount().getLocale());
    } catch (IllegalArgumentException e) {
      return error(ErrorCode.INVALID_ARGUMENT, e.getMessage());
    }
    // uint32 on the wire: a value past Integer.MAX_VALUE arrives negative here.
    long top = Integer.toUnsignedLong(job.getCount().getTopWords());
    if (top > CountService.MAX_TOP) {
      return error(
          ErrorCode.INVALID_ARGUMENT,
          "a count gives at most " + CountService.MAX_TOP + " top words, not " + top);
    }
    Optional<CountResult> again = previousAnswer(job.getCount(), name, locale);
    if (again.isPresent()) {
      return JobResult.newBuilder().setCount(again.get());
    }
    Optional<io.spindle.node.application.CountResult> counted;
    try {
      counted = counts.count(name, locale, (int) top);
    } catch (FileChangedException e) {
      throw new CannotRunHereException("'" + name + "' changed while it was counted; count again");
    }
    if (counted.isEmpty()) {
      return notFound(name);
    }
    return JobResult.newBuilder().setCount(CountMessages.toMessage(counted.get()));
  }

  /**
   * The queue server's last answer to the same count (any node's), as a cached answer, if the file
   * still has the content it counted: then no node counts it again. Read after a linearizable
   * barrier unless the count is stale, as a count's own look-up.
   */
  private Optional<CountResult> previousAnswer(CountJob job, FileName name, WcLocale locale) {
    if (!job.hasPrevious()) {
      return Optional.empty();
    }
    CountResult previous = job.getPrevious();
    if (!previous.getLocale().equals(CountRangeMessages.localeName(locale))
        || previous.getSha256().size() != 32) {
      return Optional.empty();
    }
    Optional<FileInfo> file = files.stat(name, job.getStale());
    if (file.isEmpty()
        || !file.get().sha256().equals(HEX.formatHex(previous.getSha256().toByteArray()))) {
      return Optional.empty();
    }
    return Optional.of(
        previous.toBuilder()
            .setName(name.value())
            .setCached(true)
            .setFile(CountMessages.toMessage(file.get()))
            .build());
  }

  /**
   * One range of a count another node (or this one) coordinates, from this node's own copy of the
   * content the task names. A copy that lags behind waits for the log to apply the content (the
   * read barrier of {@link LocalRangeCounter}); if the cluster cannot answer that now, the task
   * goes back to the queue. Content that is gone is NOT_FOUND: the coordinator counts again.
   */
  private JobResult.Builder countRange(Job job) {
    RangeTask task;
    try {
      task = CountRangeMessages.fromJob(job.getCountRange());
    } catch (IllegalArgumentException e) {
      return error(ErrorCode.INVALID_ARGUMENT, "bad range task: " + e.getMessage());
    }
    int maxDistinct = job.getCountRange().getMaxDistinctWords();
    LocalRangeCounter counter =
        new LocalRangeCounter(
            files,
            status.get().id().toString(),
            maxDistinct > 0 ? maxDistinct : WordTally.DEFAULT_MAX_DISTINCT);
    try {
      return JobResult.newBuilder()
          .setCountRange(CountRangeMessages.toResult(counter.countNow(task)));
    } catch (FileChangedException e) {
      return error(ErrorCode.NOT_FOUND, e.getMessage());
    }
  }

  /**
   * A ping on the leader: this cluster's members, another cluster's (through its route), or the
   * walk over every cluster. A ping forwarded from another cluster (origin_cluster) is answered
   * with this cluster's members and goes no further.
   */
  private JobResult.Builder ping(Job job) {
    RaftStatus s = status.get();
    if (!s.isLeader()) {
      throw new CannotRunHereException("node " + s.id() + " is not the leader");
    }
    PingJob p = job.getPing();
    GlobalPing pinger = globalPing;
    Duration timeout =
        p.getClusterTimeoutMs() > 0
            ? Duration.ofMillis(Math.min(p.getClusterTimeoutMs(), MAX_CLUSTER_TIMEOUT_MS))
            : GlobalPing.DEFAULT_CLUSTER_TIMEOUT;
    int hopLimit =
        p.getHopLimit() > 0
            ? Math.min(p.getHopLimit(), GlobalPing.DEFAULT_HOP_LIMIT)
            : GlobalPing.DEFAULT_HOP_LIMIT;
    try {
      if (!p.getOriginCluster().isEmpty()) {
        if (p.getAllClusters()) {
          return error(
              ErrorCode.INVALID_ARGUMENT,
              "a ping forwarded from cluster " + p.getOriginCluster() + " goes no further");
        }
        return JobResult.newBuilder().setPing(pinger.members());
      }
      if (p.getAllClusters()) {
        return JobResult.newBuilder().setPing(pinger.walk(timeout, hopLimit));
      }
      if (p.getTargetCluster().isEmpty()) {
        return JobResult.newBuilder().setPing(pinger.members());
      }
      return JobResult.newBuilder().setPing(pinger.cluster(p.getTargetCluster(), timeout));
    } catch (GlobalPing.PingFailure e) {
      return error(e.code(), e.getMessage());
    }
  }

  /** The federation's route table (any node). */
  private JobResult.Builder clusters() {
    return JobResult.newBuilder().setClusters(globalPing.clusters());
  }

  /**
   * Uses {@code ping} for pings and the route table from now on (the runtime gives it this
   * cluster's id and the federation's routes).
   */
  public void useGlobalPing(GlobalPing ping) {
    this.globalPing = Objects.requireNonNull(ping, "ping");
  }

  // ---------------------------------------------------------------- helpers

  private static Optional<MemberAddress> address(io.spindle.raft.Member m) {
    try {
      return Optional.of(MemberAddress.parse(m.address()));
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  private static JobResult.Builder notFound(FileName name) {
    return error(ErrorCode.NOT_FOUND, "there is no file named '" + name + "'");
  }

  private static JobResult.Builder error(ErrorCode code, String message) {
    return JobResult.newBuilder()
        .setError(QueueError.newBuilder().setCode(code).setMessage(message));
  }
}
