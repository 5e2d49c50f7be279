package io.spindle.raft.server.transport;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.spindle.raft.Configuration;
import io.spindle.raft.Entry;
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
import java.lang.reflect.RecordComponent;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.params.provider.Arguments;

/**
 * One or more messages of every type, all from {@link #PEER} to {@link #SELF}, and a comparison.
 */
final class SampleMessages {
  static final NodeId SELF = NodeId.of("n1");
  static final NodeId PEER = NodeId.of("n2");

  /** The peer's storage: a full 64-bit value, to check it crosses the wire whole. */
  static final StorageId PEER_STORAGE = StorageId.of(0xF00DCAFE12345678L);

  private SampleMessages() {}

  static Configuration configuration() {
    return new Configuration(
        List.of(
            Member.of("n1", "10.0.0.1:7000"),
            new Member(NodeId.of("n2"), "10.0.0.2:7000", PEER_STORAGE),
            Member.of("n3", "10.0.0.3:7000")),
        List.of(Member.of("n4", "10.0.0.4:7000")));
  }

  /** Small messages of every type, named, for parameterized tests. */
  static Stream<Arguments> named() {
    return Stream.of(
        Arguments.of("RequestVote", new RequestVote(PEER, SELF, 7, 120, 6, false, false)),
        Arguments.of(
            "RequestVote pre-vote transfer", new RequestVote(PEER, SELF, 8, 0, 0, true, true)),
        Arguments.of(
            "RequestVoteResponse",
            new RequestVoteResponse(PEER, SELF, 7, true, false, PEER_STORAGE)),
        Arguments.of(
            "RequestVoteResponse pre-vote", new RequestVoteResponse(PEER, SELF, 9, false, true)),
        Arguments.of("AppendEntries empty", new AppendEntries(PEER, SELF, 3, 0, 0, List.of(), 0)),
        Arguments.of("AppendEntries mixed", mixedAppendEntries()),
        Arguments.of(
            "AppendEntries empty command",
            new AppendEntries(PEER, SELF, 3, 9, 3, List.of(Entry.command(10, 3, new byte[0])), 9)),
        Arguments.of(
            "AppendEntriesResponse success",
            new AppendEntriesResponse(PEER, SELF, 3, true, 12, 0, 0, 12, PEER_STORAGE)),
        Arguments.of(
            "AppendEntriesResponse conflict",
            new AppendEntriesResponse(PEER, SELF, 3, false, 40, 31, 2, 35)),
        Arguments.of("Heartbeat", new Heartbeat(PEER, SELF, 4, 99, 17)),
        Arguments.of("Heartbeat opaque context", new Heartbeat(PEER, SELF, 4, 99, -42)),
        Arguments.of(
            "HeartbeatResponse", new HeartbeatResponse(PEER, SELF, 4, 17, 101, PEER_STORAGE)),
        Arguments.of(
            "InstallSnapshot first chunk",
            new InstallSnapshot(PEER, SELF, 5, meta(), 0, bytes(300, 1), false)),
        Arguments.of(
            "InstallSnapshot last empty chunk",
            new InstallSnapshot(PEER, SELF, 5, meta(), 300, new byte[0], true)),
        Arguments.of(
            "InstallSnapshot empty configuration",
            new InstallSnapshot(
                PEER,
                SELF,
                5,
                new SnapshotMeta(0, 0, Configuration.empty(), 0),
                0,
                bytes(3, 2),
                true)),
        Arguments.of(
            "InstallSnapshotResponse",
            new InstallSnapshotResponse(PEER, SELF, 5, 500, 4096, false, PEER_STORAGE)),
        Arguments.of(
            "InstallSnapshotResponse refused",
            new InstallSnapshotResponse(PEER, SELF, 5, 500, -1, false)),
        Arguments.of("TimeoutNow", new TimeoutNow(PEER, SELF, 6)),
        Arguments.of("ReadIndexRequest", new ReadIndexRequest(PEER, SELF, 6, Long.MIN_VALUE)),
        Arguments.of("ReadIndexResponse", new ReadIndexResponse(PEER, SELF, 6, 77, 1234, true)),
        Arguments.of(
            "ReadIndexResponse refused", new ReadIndexResponse(PEER, SELF, 6, -1, 0, false)),
        Arguments.of(
            "largest values",
            new AppendEntriesResponse(
                PEER,
                SELF,
                Long.MAX_VALUE,
                true,
                Long.MAX_VALUE,
                Long.MAX_VALUE,
                Long.MAX_VALUE,
                Long.MAX_VALUE)));
  }

  static List<Message> all() {
    return named().map(a -> (Message) a.get()[1]).toList();
  }

  /** Command, no-op, configuration and non-ASCII entries after index 10. */
  static AppendEntries mixedAppendEntries() {
    return new AppendEntries(
        PEER,
        SELF,
        3,
        10,
        2,
        List.of(
            Entry.command(11, 2, "put a=1".getBytes(StandardCharsets.UTF_8)),
            Entry.noop(12, 3),
            Entry.config(13, 3, configuration()),
            Entry.command(14, 3, "zählen ✓".getBytes(StandardCharsets.UTF_8))),
        12);
  }

  /** {@code count} entries of {@code size} random bytes each after index 0. */
  static AppendEntries appendEntries(int count, int size, long seed) {
    Random random = new Random(seed);
    List<Entry> entries = new ArrayList<>(count);
    for (int i = 1; i <= count; i++) {
      byte[] data = new byte[size];
      random.nextBytes(data);
      entries.add(Entry.command(i, 1, data));
    }
    return new AppendEntries(PEER, SELF, 1, 0, 0, entries, 0);
  }

  static SnapshotMeta meta() {
    return new SnapshotMeta(500, 4, configuration(), 300);
  }

  static byte[] bytes(int size, long seed) {
    byte[] data = new byte[size];
    new Random(seed).nextBytes(data);
    return data;
  }

  /** Records compared component by component, byte arrays by content. */
  static void assertSameMessage(Message expected, Message actual) {
    assertEquals(expected.getClass(), actual.getClass(), "message type");
    for (RecordComponent component : expected.getClass().getRecordComponents()) {
      Object want = value(component, expected);
      Object got = value(component, actual);
      if (want instanceof byte[] bytes) {
        assertArrayEquals(bytes, (byte[]) got, component.getName());
      } else {
        assertEquals(want, got, component.getName());
      }
    }
  }

  private static Object value(RecordComponent component, Message message) {
    try {
      return component.getAccessor().invoke(message);
    } catch (ReflectiveOperationException e) {
      throw new AssertionError(e);
    }
  }
}
