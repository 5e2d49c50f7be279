package io.spindle.cli;

import io.spindle.protocol.queue.DeadLetter;
import io.spindle.protocol.queue.LeaseView;
import io.spindle.protocol.queue.Member;
import io.spindle.protocol.queue.NodeStatus;
import io.spindle.protocol.queue.NodeView;
import io.spindle.protocol.queue.QueueView;
import io.spindle.protocol.queue.Reply;
import io.spindle.protocol.queue.Request;
import io.spindle.protocol.queue.Status;
import io.spindle.protocol.queue.StatusResult;
import io.spindle.queue.client.ServerAddress;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeoutException;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;

@Command(
    name = "status",
    description =
        "The cluster as a queue server sees it: nodes, roles, term, commit and applied index,"
            + " queue depths, leases; and every queue server of the cluster, reachable or not,"
            + " with its queue depths.")
final class StatusCommand implements Callable<Integer> {
  /** How long each other queue server may take to answer. */
  private static final Duration OTHER_SERVER_WAIT = Duration.ofSeconds(5);

  @ParentCommand SpindleCli cli;

  /**
   * One queue server as the client found it: its status, or why it could not be asked.
   *
   * @param address as the client dials it
   * @param status its answer, or null
   * @param problem why there is none, or null
   */
  record ServerState(ServerAddress address, StatusResult status, String problem) {}

  @Override
  public Integer call() {
    StatusResult s;
    List<ServerState> servers = new ArrayList<>();
    try (ClusterClient cluster = cli.cluster()) {
      s = cluster.call(statusRequest(), "status").getStatus();
      ServerAddress answered = cluster.lastAnswered();
      // The list grows while it is walked: each server's Welcome may name more.
      for (int i = 0; i < cluster.servers().size(); i++) {
        ServerAddress a = cluster.servers().get(i);
        servers.add(a.equals(answered) ? new ServerState(a, s, null) : ask(cluster, a));
      }
    }
    cli.print(json(s, servers), human(s, servers));
    return ExitCode.OK;
  }

  private static Request statusRequest() {
    return Request.newBuilder()
        .setRequestId(ClusterClient.newRequestId())
        .setStatus(Status.getDefaultInstance())
        .build();
  }

  /** Asks queue server {@code a} alone for its status. */
  private ServerState ask(ClusterClient cluster, ServerAddress a) {
    Duration wait =
        cluster.timeout().compareTo(OTHER_SERVER_WAIT) < 0 ? cluster.timeout() : OTHER_SERVER_WAIT;
    try {
      Reply r = cluster.askOnly(a, statusRequest(), wait);
      if (r.hasError()) {
        return new ServerState(a, null, r.getError().getCode() + ": " + r.getError().getMessage());
      }
      return new ServerState(a, r.getStatus(), null);
    } catch (IOException e) {
      return new ServerState(a, null, ClusterClient.reason(a, e));
    } catch (TimeoutException e) {
      return new ServerState(a, null, "no answer in " + wait.toSeconds() + " s");
    } catch (CliException e) {
      return new ServerState(a, null, e.getMessage());
    }
  }

  private static List<Object> queuesJson(StatusResult s) {
    List<Object> queues = new ArrayList<>();
    for (QueueView q : s.getQueuesList()) {
      queues.add(
          Json.object(
              "name", q.getName(),
              "depth", q.getDepth(),
              "capacity", q.getCapacity(),
              "leased", q.getLeased()));
    }
    return queues;
  }

  private static Object json(StatusResult s, List<ServerState> servers) {
    List<Object> queueServers = new ArrayList<>();
    for (ServerState q : servers) {
      StatusResult st = q.status();
      queueServers.add(
          Json.object(
              "address", q.address().toString(),
              "reachable", st != null,
              "error", q.problem(),
              "serverId", st == null ? null : st.getServerId(),
              "nodesConnected", st == null ? null : connected(st),
              "queues", st == null ? null : queuesJson(st),
              "uploads", st == null ? null : st.getUploads()));
    }
    Map<String, Object> out = json(s);
    out.put("queueServers", queueServers);
    return out;
  }

  private static long connected(StatusResult s) {
    return s.getNodesList().stream().filter(NodeView::getConnected).count();
  }

  private static Map<String, Object> json(StatusResult s) {
    List<Object> nodes = new ArrayList<>();
    for (NodeView v : s.getNodesList()) {
      NodeStatus n = v.getStatus();
      nodes.add(
          Json.object(
              "id", n.getNodeId(),
              "role", role(n),
              "term", n.getTerm(),
              "leaderId", n.getLeaderId(),
              "commitIndex", n.getCommitIndex(),
              "appliedIndex", n.getAppliedIndex(),
              "raftAddress", n.getRaftAddress(),
              "httpUrl", n.getHttpUrl(),
              "connected", v.getConnected(),
              "lastSeenMsAgo", v.getLastSeenMsAgo(),
              "leasedJobs", v.getLeasedJobs()));
    }
    List<Object> queues = queuesJson(s);
    List<Object> leases = new ArrayList<>();
    for (LeaseView l : s.getLeasesList()) {
      leases.add(
          Json.object(
              "jobId", l.getJobId(),
              "requestId", l.getRequestId(),
              "kind", l.getKind(),
              "nodeId", l.getNodeId(),
              "expiresInMs", l.getExpiresInMs(),
              "attempt", l.getAttempt()));
    }
    List<Object> deadLetters = new ArrayList<>();
    for (DeadLetter d : s.getDeadLettersList()) {
      deadLetters.add(
          Json.object(
              "jobId", d.getJobId(),
              "requestId", d.getRequestId(),
              "kind", d.getKind(),
              "attempts", d.getAttempts(),
              "lastNodeId", d.getLastNodeId(),
              "failedAtMs", d.getFailedAtMs(),
              "reason", d.getReason()));
    }
    List<Object> members = new ArrayList<>();
    for (Member m : s.getMembersList()) {
      members.add(
          Json.object(
              "id", m.getNodeId(),
              "raftAddress", m.getRaftAddress(),
              "httpUrl", m.getHttpUrl(),
              "voter", m.getVoter(),
              "matchIndex", m.getProgressKnown() ? m.getMatchIndex() : null,
              "leaderLastIndex", m.getProgressKnown() ? s.getLeaderLastIndex() : null));
    }
    return Json.object(
        "queueServer", s.getServerId(),
        "clusterId", s.getClusterId(),
        "term", s.getTerm(),
        "leaderId", s.getLeaderId(),
        "nodes", nodes,
        "members", members,
        "queues", queues,
        "leases", leases,
        "deadLetters", deadLetters,
        "uploads", s.getUploads(),
        "spoolBytes", s.getSpoolBytes());
  }

  private static String human(StatusResult s, List<ServerState> servers) {
    StringBuilder b = new StringBuilder();
    b.append(
        String.format(
            "cluster %s via queue server %s: term %d, leader %s%n",
            s.getClusterId(),
            s.getServerId(),
            s.getTerm(),
            s.getLeaderId().isEmpty() ? "(none known)" : s.getLeaderId()));
    b.append(
        String.format(
            "%n%-21s %-11s %8s %8s %6s  %s%n",
            "QUEUE SERVER", "STATE", "LEADER-Q", "SHARED-Q", "NODES", "SERVER ID"));
    for (ServerState q : servers) {
      StatusResult st = q.status();
      if (st == null) {
        b.append(String.format("%-21s unreachable: %s%n", q.address(), q.problem()));
      } else {
        b.append(
            String.format(
                "%-21s %-11s %8s %8s %6d  %s%n",
                q.address(),
                "reachable",
                depth(st, "leader"),
                depth(st, "shared"),
                connected(st),
                st.getServerId()));
      }
    }
    b.append(
        String.format(
            "%n%-10s %-9s %6s %10s %10s %9s %6s  %-21s %s%n",
            "NODE", "ROLE", "TERM", "COMMIT", "APPLIED", "SEEN", "LEASES", "RAFT", "HTTP"));
    for (NodeView v : s.getNodesList()) {
      NodeStatus n = v.getStatus();
      b.append(
          String.format(
              "%-10s %-9s %6d %10d %10d %9s %6d  %-21s %s%n",
              n.getNodeId(),
              role(n),
              n.getTerm(),
              n.getCommitIndex(),
              n.getAppliedIndex(),
              v.getConnected() ? ago(v.getLastSeenMsAgo()) : "gone",
              v.getLeasedJobs(),
              n.getRaftAddress(),
              n.getHttpUrl()));
    }
    if (s.getNodesCount() == 0) {
      b.append("(no node has connected to this queue server)\n");
    }
    if (s.getMembersCount() > 0) {
      b.append(String.format("%nMEMBERS (catch-up: stored / the leader's last index)%n"));
      for (Member m : s.getMembersList()) {
        b.append(
            String.format(
                "%-7s %-10s %s%n",
                m.getVoter() ? "voter" : "learner",
                m.getNodeId(),
                m.getNodeId().equals(s.getLeaderId()) ? "leader" : progress(m, s)));
      }
    }
    b.append(String.format("%n%-8s %8s %8s %8s%n", "QUEUE", "WAITING", "LEASED", "CAPACITY"));
    for (QueueView q : s.getQueuesList()) {
      b.append(
          String.format(
              "%-8s %8d %8d %8d%n", q.getName(), q.getDepth(), q.getLeased(), q.getCapacity()));
    }
    if (s.getLeasesCount() > 0) {
      b.append(
          String.format(
              "%n%-20s %-7s %-10s %8s %7s  %s%n",
              "JOB", "KIND", "NODE", "EXPIRES", "ATTEMPT", "REQUEST"));
      for (LeaseView l : s.getLeasesList()) {
        b.append(
            String.format(
                "%-20d %-7s %-10s %7.1fs %7d  %s%n",
                l.getJobId(),
                l.getKind(),
                l.getNodeId(),
                l.getExpiresInMs() / 1000.0,
                l.getAttempt(),
                l.getRequestId()));
      }
    }
    if (s.getDeadLettersCount() > 0) {
      b.append(String.format("%nGIVEN UP (newest first; their clients got the reason)%n"));
      for (DeadLetter d : s.getDeadLettersList()) {
        b.append(
            String.format(
                "%-20d %-7s %s, %s ago, %d attempts: %s%n",
                d.getJobId(),
                d.getKind(),
                d.getRequestId(),
                ago(Math.max(0, System.currentTimeMillis() - d.getFailedAtMs())),
                d.getAttempts(),
                d.getReason()));
      }
    }
    b.append(
        String.format(
            "%nuploads in the spool: %d (%s)", s.getUploads(), Bytes.human(s.getSpoolBytes())));
    return b.toString();
  }

  /** The jobs waiting in queue {@code name} ("leader" or "shared"), or "-" if it is not there. */
  private static String depth(StatusResult s, String name) {
    return s.getQueuesList().stream()
        .filter(q -> q.getName().equals(name))
        .findFirst()
        .map(q -> Integer.toString(q.getDepth()))
        .orElse("-");
  }

  /** "12,345/20,000 (62%)": how much of the leader's log a member stores. */
  static String progress(Member m, StatusResult s) {
    if (!m.getProgressKnown()) {
      return "(progress unknown: no leader reported it)";
    }
    long last = s.getLeaderLastIndex();
    long match = Math.min(m.getMatchIndex(), last);
    long percent = last == 0 ? 100 : match * 100 / last;
    return String.format(Locale.ROOT, "%,d/%,d (%d%%)", match, last, percent);
  }

  private static String role(NodeStatus n) {
    return switch (n.getRole()) {
      case FOLLOWER, CANDIDATE, LEADER, LEARNER -> n.getRole().name().toLowerCase(Locale.ROOT);
      default -> "unknown";
    };
  }

  private static String ago(long ms) {
    return ms < 1000 ? ms + "ms" : Bytes.duration(ms / 1000.0);
  }
}
