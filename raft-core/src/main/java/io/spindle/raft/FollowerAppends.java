package io.spindle.raft;

import io.spindle.raft.message.AppendEntries;
import io.spindle.raft.message.AppendEntriesResponse;
import io.spindle.raft.message.Heartbeat;
import io.spindle.raft.message.HeartbeatResponse;
import java.util.ArrayList;
import java.util.List;

/**
 * A follower's side of log replication (§5.3): the consistency check on AppendEntries, with the
 * conflict hint for the leader's fast back-off, appending what is new to the log (and its
 * configurations), and following the leader's commit index from AppendEntries and heartbeats.
 * Answers go out through the node; the commit index stays the node's.
 *
 * <p><b>Threading:</b> single-threaded, owned by one {@link RaftNode} and called only from its
 * driver's thread.
 */
final class FollowerAppends {
  private final RaftNode node;
  private final RaftLog log;
  private final ConfigurationHistory configurations;
  private final StorageId storage;

  FollowerAppends(
      RaftNode node, RaftLog log, ConfigurationHistory configurations, StorageId storage) {
    this.node = node;
    this.log = log;
    this.configurations = configurations;
    this.storage = storage;
  }

  void onAppendEntries(AppendEntries m) {
    long commitIndex = node.commitIndex();
    long prev = m.prevLogIndex();
    if (prev < commitIndex) {
      // Everything up to our commit index matches any leader's log; only what follows matters.
      List<Entry> rest = new ArrayList<>();
      for (Entry e : m.entries()) {
        if (e.index() > commitIndex) {
          rest.add(e);
        }
      }
      if (rest.isEmpty()) {
        node.send(appendOk(m.from(), commitIndex));
        return;
      }
      // The rest starts right after our commit index, whose entry every leader's log shares.
      prev = rest.get(0).index() - 1;
      m =
          new AppendEntries(
              m.from(), m.to(), m.term(), prev, log.termAt(prev), rest, m.leaderCommit());
    }
    long last = log.lastIndex();
    if (prev > last) {
      node.send(appendReject(m.from(), prev, last + 1, 0));
      return;
    }
    long prevTerm = log.termAt(prev);
    if (prevTerm != m.prevLogTerm()) {
      node.send(
          appendReject(
              m.from(), prev, log.firstIndexOfTerm(prev, prevTerm, commitIndex), prevTerm));
      return;
    }
    long lastNew = prev + m.entries().size();
    List<Entry> toAppend = log.newEntries(m.entries());
    if (!toAppend.isEmpty()) {
      long first = toAppend.get(0).index();
      if (first <= commitIndex) {
        throw new IllegalStateException(
            "leader " + m.from() + " tried to overwrite committed entry " + first);
      }
      log.appendFromLeader(toAppend);
      configurations.replaceFrom(toAppend);
    }
    node.commitFromLeader(Math.min(m.leaderCommit(), lastNew));
    node.send(appendOk(m.from(), lastNew));
  }

  void onHeartbeat(Heartbeat m) {
    // The leader sends min(match, commit) for us, so entries up to it match its log.
    node.commitFromLeader(Math.min(m.commit(), log.lastIndex()));
    node.send(
        new HeartbeatResponse(
            node.id(), m.from(), node.term(), m.readContext(), log.lastIndex(), storage));
  }

  private AppendEntriesResponse appendOk(NodeId to, long match) {
    return new AppendEntriesResponse(
        node.id(), to, node.term(), true, match, 0, 0, log.lastIndex(), storage);
  }

  private AppendEntriesResponse appendReject(
      NodeId to, long rejectedPrev, long conflictIndex, long conflictTerm) {
    return new AppendEntriesResponse(
        node.id(),
        to,
        node.term(),
        false,
        rejectedPrev,
        conflictIndex,
        conflictTerm,
        log.lastIndex(),
        storage);
  }
}
