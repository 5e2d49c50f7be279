package io.spindle.raft.message;

import io.spindle.raft.Entry;
import io.spindle.raft.NodeId;
import java.util.List;

/** AppendEntries (§5.3): entries following (prevLogIndex, prevLogTerm), and the leader's commit. */
public record AppendEntries(
    NodeId from,
    NodeId to,
    long term,
    long prevLogIndex,
    long prevLogTerm,
    List<Entry> entries,
    long leaderCommit)
    implements Message {
  public AppendEntries {
    entries = List.copyOf(entries);
  }

  @Override
  public long sizeInBytes() {
    long size = 64;
    for (Entry e : entries) {
      size += e.sizeInBytes();
    }
    return size;
  }
}
