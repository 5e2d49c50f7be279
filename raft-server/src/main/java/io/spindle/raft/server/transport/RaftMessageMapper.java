package io.spindle.raft.server.transport;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import io.spindle.protocol.raft.AppendEntriesProto;
import io.spindle.protocol.raft.AppendEntriesResponseProto;
import io.spindle.protocol.raft.ConfigurationProto;
import io.spindle.protocol.raft.EntryProto;
import io.spindle.protocol.raft.EntryTypeProto;
import io.spindle.protocol.raft.HeartbeatProto;
import io.spindle.protocol.raft.HeartbeatResponseProto;
import io.spindle.protocol.raft.InstallSnapshotProto;
import io.spindle.protocol.raft.InstallSnapshotResponseProto;
import io.spindle.protocol.raft.MemberProto;
import io.spindle.protocol.raft.RaftFrame;
import io.spindle.protocol.raft.ReadIndexRequestProto;
import io.spindle.protocol.raft.ReadIndexResponseProto;
import io.spindle.protocol.raft.RequestVoteProto;
import io.spindle.protocol.raft.RequestVoteResponseProto;
import io.spindle.protocol.raft.SnapshotMetaProto;
import io.spindle.protocol.raft.TimeoutNowProto;
import io.spindle.raft.Configuration;
import io.spindle.raft.Entry;
import io.spindle.raft.EntryType;
import io.spindle.raft.Member;
import io.spindle.raft.NodeId;
import io.spindle.raft.SnapshotMeta;
import io.spindle.raft.StorageId;
import io.spindle.raft.message.AppendEntries;
import io.spindle.raft.message.AppendEntriesResponse;
import io.spindle.raft.message.Heartbeat;
import io.spindle.raft.message.HeartbeatResponse;
import io.spindle.raft.message.InstallSnapshot;
import io.spindle.raft.message.InstallSnapshotResponse;
import io.spindle.raft.message.Message;
import io.spindle.raft.message.ReadIndexRequest;
import io.spindle.raft.message.ReadIndexResponse;
import io.spindle.raft.message.RequestVote;
import io.spindle.raft.message.RequestVoteResponse;
import io.spindle.raft.message.TimeoutNow;
import io.spindle.wire.InvalidMessageException;
import java.util.ArrayList;
import java.util.List;

/**
 * The one place where raft-core's message records become protobuf and back.
 *
 * <p>Decoding trusts nothing: every node id must be present and valid, every index, term, offset
 * and size non-negative (protobuf's uint64 arrives in a Java long, so a value of 2^63 or more shows
 * up as negative), entries consecutive after {@code prevLogIndex}, entry types known and
 * configurations decodable. Anything else is an {@link InvalidMessageException} naming the message
 * and the field. Encoding applies the same rules, so a bug in the sender shows up at the sender.
 *
 * <p>Entry data is wrapped, not copied, on encoding: entries are immutable by convention (see
 * {@link Entry}). Snapshot chunks are copied, as their buffers carry no such promise.
 */
public final class RaftMessageMapper {
  private RaftMessageMapper() {}

  /**
   * The frame carrying {@code message}; throws {@link InvalidMessageException} if it is invalid.
   */
  public static RaftFrame toFrame(Message message) {
    RaftFrame.Builder frame = RaftFrame.newBuilder();
    if (message instanceof AppendEntries m) {
      frame.setAppendEntries(appendEntries(m));
    } else if (message instanceof AppendEntriesResponse m) {
      frame.setAppendEntriesResponse(appendEntriesResponse(m));
    } else if (message instanceof Heartbeat m) {
      frame.setHeartbeat(heartbeat(m));
    } else if (message instanceof HeartbeatResponse m) {
      frame.setHeartbeatResponse(heartbeatResponse(m));
    } else if (message instanceof RequestVote m) {
      frame.setRequestVote(requestVote(m));
    } else if (message instanceof RequestVoteResponse m) {
      frame.setRequestVoteResponse(requestVoteResponse(m));
    } else if (message instanceof InstallSnapshot m) {
      frame.setInstallSnapshot(installSnapshot(m));
    } else if (message instanceof InstallSnapshotResponse m) {
      frame.setInstallSnapshotResponse(installSnapshotResponse(m));
    } else if (message instanceof TimeoutNow m) {
      frame.setTimeoutNow(timeoutNow(m));
    } else if (message instanceof ReadIndexRequest m) {
      frame.setReadIndexRequest(readIndexRequest(m));
    } else if (message instanceof ReadIndexResponse m) {
      frame.setReadIndexResponse(readIndexResponse(m));
    } else {
      throw new InvalidMessageException("no wire form for " + message.getClass().getName());
    }
    return frame.build();
  }

  /** The message {@code frame} carries; throws {@link InvalidMessageException} if invalid. */
  public static Message toMessage(RaftFrame frame) {
    return switch (frame.getBodyCase()) {
      case APPEND_ENTRIES -> appendEntries(frame.getAppendEntries());
      case APPEND_ENTRIES_RESPONSE -> appendEntriesResponse(frame.getAppendEntriesResponse());
      case HEARTBEAT -> heartbeat(frame.getHeartbeat());
      case HEARTBEAT_RESPONSE -> heartbeatResponse(frame.getHeartbeatResponse());
      case REQUEST_VOTE -> requestVote(frame.getRequestVote());
      case REQUEST_VOTE_RESPONSE -> requestVoteResponse(frame.getRequestVoteResponse());
      case INSTALL_SNAPSHOT -> installSnapshot(frame.getInstallSnapshot());
      case INSTALL_SNAPSHOT_RESPONSE -> installSnapshotResponse(frame.getInstallSnapshotResponse());
      case TIMEOUT_NOW -> timeoutNow(frame.getTimeoutNow());
      case READ_INDEX_REQUEST -> readIndexRequest(frame.getReadIndexRequest());
      case READ_INDEX_RESPONSE -> readIndexResponse(frame.getReadIndexResponse());
      case BODY_NOT_SET -> throw new InvalidMessageException("empty frame: no message in it");
      default -> throw new InvalidMessageException("not a Raft message: " + frame.getBodyCase());
    };
  }

  // ---- AppendEntries ----

  private static AppendEntriesProto appendEntries(AppendEntries m) {
    Fields f = new Fields("AppendEntries");
    f.entriesFollow(m.prevLogIndex(), m.entries());
    AppendEntriesProto.Builder b =
        AppendEntriesProto.newBuilder()
            .setFrom(m.from().value())
            .setTo(m.to().value())
            .setTerm(f.nonNegative("term", m.term()))
            .setPrevLogIndex(f.nonNegative("prevLogIndex", m.prevLogIndex()))
            .setPrevLogTerm(f.nonNegative("prevLogTerm", m.prevLogTerm()))
            .setLeaderCommit(f.nonNegative("leaderCommit", m.leaderCommit()));
    for (Entry e : m.entries()) {
      b.addEntries(entry(e));
    }
    return b.build();
  }

  private static AppendEntries appendEntries(AppendEntriesProto p) {
    Fields f = new Fields("AppendEntries");
    long prevLogIndex = f.nonNegative("prevLogIndex", p.getPrevLogIndex());
    List<Entry> entries = new ArrayList<>(p.getEntriesCount());
    for (EntryProto e : p.getEntriesList()) {
      entries.add(entry(f, e));
    }
    f.entriesFollow(prevLogIndex, entries);
    return new AppendEntries(
        f.nodeId("from", p.getFrom()),
        f.nodeId("to", p.getTo()),
        f.nonNegative("term", p.getTerm()),
        prevLogIndex,
        f.nonNegative("prevLogTerm", p.getPrevLogTerm()),
        entries,
        f.nonNegative("leaderCommit", p.getLeaderCommit()));
  }

  private static AppendEntriesResponseProto appendEntriesResponse(AppendEntriesResponse m) {
    Fields f = new Fields("AppendEntriesResponse");
    return AppendEntriesResponseProto.newBuilder()
        .setFrom(m.from().value())
        .setTo(m.to().value())
        .setTerm(f.nonNegative("term", m.term()))
        .setSuccess(m.success())
        .setMatchIndex(f.nonNegative("matchIndex", m.matchIndex()))
        .setConflictIndex(f.nonNegative("conflictIndex", m.conflictIndex()))
        .setConflictTerm(f.nonNegative("conflictTerm", m.conflictTerm()))
        .setLastLogIndex(f.nonNegative("lastLogIndex", m.lastLogIndex()))
        .setStorageId(m.storage().value())
        .build();
  }

  private static AppendEntriesResponse appendEntriesResponse(AppendEntriesResponseProto p) {
    Fields f = new Fields("AppendEntriesResponse");
    return new AppendEntriesResponse(
        f.nodeId("from", p.getFrom()),
        f.nodeId("to", p.getTo()),
        f.nonNegative("term", p.getTerm()),
        p.getSuccess(),
        f.nonNegative("matchIndex", p.getMatchIndex()),
        f.nonNegative("conflictIndex", p.getConflictIndex()),
        f.nonNegative("conflictTerm", p.getConflictTerm()),
        f.nonNegative("lastLogIndex", p.getLastLogIndex()),
        StorageId.of(p.getStorageId()));
  }

  // ---- Heartbeat ----

  private static HeartbeatProto heartbeat(Heartbeat m) {
    Fields f = new Fields("Heartbeat");
    return HeartbeatProto.newBuilder()
        .setFrom(m.from().value())
        .setTo(m.to().value())
        .setTerm(f.nonNegative("term", m.term()))
        .setCommit(f.nonNegative("commit", m.commit()))
        .setReadContext(m.readContext())
        .build();
  }

  private static Heartbeat heartbeat(HeartbeatProto p) {
    Fields f = new Fields("Heartbeat");
    return new Heartbeat(
        f.nodeId("from", p.getFrom()),
        f.nodeId("to", p.getTo()),
        f.nonNegative("term", p.getTerm()),
        f.nonNegative("commit", p.getCommit()),
        p.getReadContext());
  }

  private static HeartbeatResponseProto heartbeatResponse(HeartbeatResponse m) {
    Fields f = new Fields("HeartbeatResponse");
    return HeartbeatResponseProto.newBuilder()
        .setFrom(m.from().value())
        .setTo(m.to().value())
        .setTerm(f.nonNegative("term", m.term()))
        .setReadContext(m.readContext())
        .setLastLogIndex(f.nonNegative("lastLogIndex", m.lastLogIndex()))
        .setStorageId(m.storage().value())
        .build();
  }

  private static HeartbeatResponse heartbeatResponse(HeartbeatResponseProto p) {
    Fields f = new Fields("HeartbeatResponse");
    return new HeartbeatResponse(
        f.nodeId("from", p.getFrom()),
        f.nodeId("to", p.getTo()),
        f.nonNegative("term", p.getTerm()),
        p.getReadContext(),
        f.nonNegative("lastLogIndex", p.getLastLogIndex()),
        StorageId.of(p.getStorageId()));
  }

  // ---- RequestVote ----

  private static RequestVoteProto requestVote(RequestVote m) {
    Fields f = new Fields("RequestVote");
    return RequestVoteProto.newBuilder()
        .setFrom(m.from().value())
        .setTo(m.to().value())
        .setTerm(f.nonNegative("term", m.term()))
        .setLastLogIndex(f.nonNegative("lastLogIndex", m.lastLogIndex()))
        .setLastLogTerm(f.nonNegative("lastLogTerm", m.lastLogTerm()))
        .setPreVote(m.preVote())
        .setTransfer(m.transfer())
        .build();
  }

  private static RequestVote requestVote(RequestVoteProto p) {
    Fields f = new Fields("RequestVote");
    return new RequestVote(
        f.nodeId("from", p.getFrom()),
        f.nodeId("to", p.getTo()),
        f.nonNegative("term", p.getTerm()),
        f.nonNegative("lastLogIndex", p.getLastLogIndex()),
        f.nonNegative("lastLogTerm", p.getLastLogTerm()),
        p.getPreVote(),
        p.getTransfer());
  }

  private static RequestVoteResponseProto requestVoteResponse(RequestVoteResponse m) {
    Fields f = new Fields("RequestVoteResponse");
    return RequestVoteResponseProto.newBuilder()
        .setFrom(m.from().value())
        .setTo(m.to().value())
        .setTerm(f.nonNegative("term", m.term()))
        .setGranted(m.granted())
        .setPreVote(m.preVote())
        .setStorageId(m.storage().value())
        .build();
  }

  private static RequestVoteResponse requestVoteResponse(RequestVoteResponseProto p) {
    Fields f = new Fields("RequestVoteResponse");
    return new RequestVoteResponse(
        f.nodeId("from", p.getFrom()),
        f.nodeId("to", p.getTo()),
        f.nonNegative("term", p.getTerm()),
        p.getGranted(),
        p.getPreVote(),
        StorageId.of(p.getStorageId()));
  }

  // ---- InstallSnapshot ----

  private static InstallSnapshotProto installSnapshot(InstallSnapshot m) {
    Fields f = new Fields("InstallSnapshot");
    return InstallSnapshotProto.newBuilder()
        .setFrom(m.from().value())
        .setTo(m.to().value())
        .setTerm(f.nonNegative("term", m.term()))
        .setMeta(snapshotMeta(m.meta()))
        .setOffset(f.nonNegative("offset", m.offset()))
        .setData(ByteString.copyFrom(m.data()))
        .setDone(m.done())
        .build();
  }

  private static InstallSnapshot installSnapshot(InstallSnapshotProto p) {
    Fields f = new Fields("InstallSnapshot");
    if (!p.hasMeta()) {
      throw new InvalidMessageException("invalid InstallSnapshot: meta is missing");
    }
    return new InstallSnapshot(
        f.nodeId("from", p.getFrom()),
        f.nodeId("to", p.getTo()),
        f.nonNegative("term", p.getTerm()),
        snapshotMeta(f, p.getMeta()),
        f.nonNegative("offset", p.getOffset()),
        p.getData().toByteArray(),
        p.getDone());
  }

  private static InstallSnapshotResponseProto installSnapshotResponse(InstallSnapshotResponse m) {
    Fields f = new Fields("InstallSnapshotResponse");
    return InstallSnapshotResponseProto.newBuilder()
        .setFrom(m.from().value())
        .setTo(m.to().value())
        .setTerm(f.nonNegative("term", m.term()))
        .setSnapshotIndex(f.nonNegative("snapshotIndex", m.snapshotIndex()))
        .setNextOffset(f.atLeastMinusOne("nextOffset", m.nextOffset()))
        .setDone(m.done())
        .setStorageId(m.storage().value())
        .build();
  }

  private static InstallSnapshotResponse installSnapshotResponse(InstallSnapshotResponseProto p) {
    Fields f = new Fields("InstallSnapshotResponse");
    return new InstallSnapshotResponse(
        f.nodeId("from", p.getFrom()),
        f.nodeId("to", p.getTo()),
        f.nonNegative("term", p.getTerm()),
        f.nonNegative("snapshotIndex", p.getSnapshotIndex()),
        f.atLeastMinusOne("nextOffset", p.getNextOffset()),
        p.getDone(),
        StorageId.of(p.getStorageId()));
  }

  // ---- TimeoutNow, ReadIndex ----

  private static TimeoutNowProto timeoutNow(TimeoutNow m) {
    Fields f = new Fields("TimeoutNow");
    return TimeoutNowProto.newBuilder()
        .setFrom(m.from().value())
        .setTo(m.to().value())
        .setTerm(f.nonNegative("term", m.term()))
        .build();
  }

  private static TimeoutNow timeoutNow(TimeoutNowProto p) {
    Fields f = new Fields("TimeoutNow");
    return new TimeoutNow(
        f.nodeId("from", p.getFrom()),
        f.nodeId("to", p.getTo()),
        f.nonNegative("term", p.getTerm()));
  }

  private static ReadIndexRequestProto readIndexRequest(ReadIndexRequest m) {
    Fields f = new Fields("ReadIndexRequest");
    return ReadIndexRequestProto.newBuilder()
        .setFrom(m.from().value())
        .setTo(m.to().value())
        .setTerm(f.nonNegative("term", m.term()))
        .setRequestId(m.requestId())
        .build();
  }

  private static ReadIndexRequest readIndexRequest(ReadIndexRequestProto p) {
    Fields f = new Fields("ReadIndexRequest");
    return new ReadIndexRequest(
        f.nodeId("from", p.getFrom()),
        f.nodeId("to", p.getTo()),
        f.nonNegative("term", p.getTerm()),
        p.getRequestId());
  }

  private static ReadIndexResponseProto readIndexResponse(ReadIndexResponse m) {
    Fields f = new Fields("ReadIndexResponse");
    return ReadIndexResponseProto.newBuilder()
        .setFrom(m.from().value())
        .setTo(m.to().value())
        .setTerm(f.nonNegative("term", m.term()))
        .setRequestId(m.requestId())
        .setReadIndex(f.nonNegative("readIndex", m.readIndex()))
        .setOk(m.ok())
        .build();
  }

  private static ReadIndexResponse readIndexResponse(ReadIndexResponseProto p) {
    Fields f = new Fields("ReadIndexResponse");
    return new ReadIndexResponse(
        f.nodeId("from", p.getFrom()),
        f.nodeId("to", p.getTo()),
        f.nonNegative("term", p.getTerm()),
        p.getRequestId(),
        f.nonNegative("readIndex", p.getReadIndex()),
        p.getOk());
  }

  // ---- entries, snapshots, membership ----

  private static EntryProto entry(Entry e) {
    return EntryProto.newBuilder()
        .setIndex(e.index())
        .setTerm(e.term())
        .setType(entryType(e.type()))
        .setData(UnsafeByteOperations.unsafeWrap(e.data()))
        .build();
  }

  private static Entry entry(Fields f, EntryProto p) {
    EntryType type = entryType(f, p.getType());
    long index = f.nonNegative("entry index", p.getIndex());
    long term = f.nonNegative("entry term", p.getTerm());
    if (index == 0 || term == 0) {
      throw f.invalid("entry index and term start at 1, got " + index + "/" + term);
    }
    Entry entry = new Entry(index, term, type, p.getData().toByteArray());
    if (type == EntryType.CONFIG) {
      try {
        entry.configuration();
      } catch (IllegalArgumentException e) {
        throw f.invalid("CONFIG entry " + index + " holds no valid configuration", e);
      }
    }
    return entry;
  }

  private static EntryTypeProto entryType(EntryType type) {
    return switch (type) {
      case COMMAND -> EntryTypeProto.ENTRY_TYPE_COMMAND;
      case NOOP -> EntryTypeProto.ENTRY_TYPE_NOOP;
      case CONFIG -> EntryTypeProto.ENTRY_TYPE_CONFIG;
    };
  }

  private static EntryType entryType(Fields f, EntryTypeProto type) {
    return switch (type) {
      case ENTRY_TYPE_COMMAND -> EntryType.COMMAND;
      case ENTRY_TYPE_NOOP -> EntryType.NOOP;
      case ENTRY_TYPE_CONFIG -> EntryType.CONFIG;
      default -> throw f.invalid("unknown entry type " + type);
    };
  }

  private static SnapshotMetaProto snapshotMeta(SnapshotMeta meta) {
    return SnapshotMetaProto.newBuilder()
        .setIndex(meta.index())
        .setTerm(meta.term())
        .setConfiguration(configuration(meta.configuration()))
        .setSize(meta.size())
        .build();
  }

  private static SnapshotMeta snapshotMeta(Fields f, SnapshotMetaProto p) {
    return new SnapshotMeta(
        f.nonNegative("meta.index", p.getIndex()),
        f.nonNegative("meta.term", p.getTerm()),
        configuration(f, p.getConfiguration()),
        f.nonNegative("meta.size", p.getSize()));
  }

  private static ConfigurationProto configuration(Configuration configuration) {
    ConfigurationProto.Builder b = ConfigurationProto.newBuilder();
    configuration.voters().forEach(m -> b.addVoters(member(m)));
    configuration.learners().forEach(m -> b.addLearners(member(m)));
    return b.build();
  }

  private static Configuration configuration(Fields f, ConfigurationProto p) {
    List<Member> voters = new ArrayList<>(p.getVotersCount());
    for (MemberProto m : p.getVotersList()) {
      voters.add(
          new Member(
              f.nodeId("voter id", m.getId()), m.getAddress(), StorageId.of(m.getStorageId())));
    }
    List<Member> learners = new ArrayList<>(p.getLearnersCount());
    for (MemberProto m : p.getLearnersList()) {
      learners.add(
          new Member(
              f.nodeId("learner id", m.getId()), m.getAddress(), StorageId.of(m.getStorageId())));
    }
    try {
      return new Configuration(voters, learners);
    } catch (IllegalArgumentException e) {
      throw f.invalid("bad configuration: " + e.getMessage(), e);
    }
  }

  private static MemberProto member(Member m) {
    return MemberProto.newBuilder()
        .setId(m.id().value())
        .setAddress(m.address())
        .setStorageId(m.storage().value())
        .build();
  }

  /** Checks the fields of one message, naming it in what it throws. */
  private static final class Fields {
    private final String message;

    Fields(String message) {
      this.message = message;
    }

    NodeId nodeId(String field, String value) {
      if (value.isEmpty()) {
        throw invalid(field + " node id is missing");
      }
      try {
        return NodeId.of(value);
      } catch (IllegalArgumentException e) {
        throw invalid(field + ": " + e.getMessage(), e);
      }
    }

    long nonNegative(String field, long value) {
      if (value < 0) {
        throw invalid(field + " is out of range: " + Long.toUnsignedString(value));
      }
      return value;
    }

    long atLeastMinusOne(String field, long value) {
      if (value < -1) {
        throw invalid(field + " is out of range: " + value);
      }
      return value;
    }

    /** §5.3: the entries of an AppendEntries are the ones right after prevLogIndex, in order. */
    void entriesFollow(long prevLogIndex, List<Entry> entries) {
      long expected = prevLogIndex + 1;
      for (Entry e : entries) {
        if (e.index() != expected) {
          throw invalid(
              "entries must follow prevLogIndex "
                  + prevLogIndex
                  + " without gaps: expected index "
                  + expected
                  + " but found "
                  + e.index());
        }
        expected++;
      }
    }

    InvalidMessageException invalid(String what) {
      return new InvalidMessageException("invalid " + message + ": " + what);
    }

    InvalidMessageException invalid(String what, Throwable cause) {
      return new InvalidMessageException("invalid " + message + ": " + what, cause);
    }
  }
}
