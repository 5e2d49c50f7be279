package io.spindle.raft.server.transport;

import static io.spindle.raft.server.transport.SampleMessages.PEER;
import static io.spindle.raft.server.transport.SampleMessages.SELF;
import static io.spindle.raft.server.transport.SampleMessages.assertSameMessage;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.spindle.protocol.raft.AppendEntriesProto;
import io.spindle.protocol.raft.ClientRequest;
import io.spindle.protocol.raft.EntryProto;
import io.spindle.protocol.raft.EntryTypeProto;
import io.spindle.protocol.raft.HandshakeProof;
import io.spindle.protocol.raft.HeartbeatProto;
import io.spindle.protocol.raft.InstallSnapshotProto;
import io.spindle.protocol.raft.InstallSnapshotResponseProto;
import io.spindle.protocol.raft.MemberProto;
import io.spindle.protocol.raft.RaftFrame;
import io.spindle.protocol.raft.RequestVoteProto;
import io.spindle.raft.Entry;
import io.spindle.raft.EntryType;
import io.spindle.raft.NodeId;
import io.spindle.raft.SnapshotMeta;
import io.spindle.raft.message.AppendEntries;
import io.spindle.raft.message.InstallSnapshot;
import io.spindle.raft.message.Message;
import io.spindle.raft.message.RequestVote;
import io.spindle.raft.message.TimeoutNow;
import io.spindle.wire.InvalidMessageException;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class RaftMessageMapperTest {

  /** Through the mapper, to bytes and back: what a peer reads is what was sent. */
  private static Message roundTrip(Message message) throws InvalidProtocolBufferException {
    byte[] wire = RaftMessageMapper.toFrame(message).toByteArray();
    return RaftMessageMapper.toMessage(RaftFrame.parseFrom(wire));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("io.spindle.raft.server.transport.SampleMessages#named")
  void everyMessageTypeSurvivesTheRoundTrip(String name, Message message) throws Exception {
    assertSameMessage(message, roundTrip(message));
  }

  @Test
  void theSamplesCoverEveryMessageType() {
    Set<Class<?>> sampled =
        SampleMessages.all().stream().map(Object::getClass).collect(Collectors.toSet());
    Set<Class<?>> permitted = Set.of(Message.class.getPermittedSubclasses());
    assertEquals(permitted, sampled);
  }

  @Test
  void nodeIdsOfTheLargestSizeSurviveTheRoundTrip() throws Exception {
    TimeoutNow sent = new TimeoutNow(NodeId.of("é".repeat(255)), NodeId.of("n".repeat(255)), 1);
    assertSameMessage(sent, roundTrip(sent));
  }

  @Test
  void largeEntriesSurviveTheRoundTrip() throws Exception {
    AppendEntries oneMegabyteEntry = SampleMessages.appendEntries(1, 1024 * 1024, 1);
    AppendEntries thousandEntries = SampleMessages.appendEntries(1000, 1024, 2);
    assertSameMessage(oneMegabyteEntry, roundTrip(oneMegabyteEntry));
    assertSameMessage(thousandEntries, roundTrip(thousandEntries));
  }

  @Test
  void aConfigEntryKeepsItsConfiguration() throws Exception {
    AppendEntries sent = SampleMessages.mixedAppendEntries();
    AppendEntries received = (AppendEntries) roundTrip(sent);
    Entry config = received.entries().get(2);
    assertEquals(EntryType.CONFIG, config.type());
    assertEquals(SampleMessages.configuration(), config.configuration());
  }

  @Test
  void snapshotChunksSurviveTheRoundTrip() throws Exception {
    byte[] chunk = SampleMessages.bytes(4 * 1024 * 1024, 3);
    SnapshotMeta meta = new SnapshotMeta(9000, 12, SampleMessages.configuration(), 10_000_000);
    for (InstallSnapshot sent :
        List.of(
            new InstallSnapshot(PEER, SELF, 12, meta, 0, chunk, false),
            new InstallSnapshot(PEER, SELF, 12, meta, 4 * 1024 * 1024, chunk, false),
            new InstallSnapshot(PEER, SELF, 12, meta, 10_000_000, new byte[0], true))) {
      assertSameMessage(sent, roundTrip(sent));
    }
  }

  @Test
  void aSnapshotChunkIsCopiedWhenMapped() {
    byte[] chunk = {1, 2, 3};
    RaftFrame frame =
        RaftMessageMapper.toFrame(
            new InstallSnapshot(PEER, SELF, 1, SampleMessages.meta(), 0, chunk, false));
    chunk[0] = 9; // the caller reuses its buffer after send()
    assertEquals(1, frame.getInstallSnapshot().getData().byteAt(0));
  }

  // ---- invalid content ----

  private static InvalidMessageException rejected(RaftFrame frame) {
    return assertThrows(InvalidMessageException.class, () -> RaftMessageMapper.toMessage(frame));
  }

  private static RaftFrame valid(Message message) {
    return RaftMessageMapper.toFrame(message);
  }

  @Test
  void aMissingNodeIdIsRejected() {
    RaftFrame frame =
        RaftFrame.newBuilder()
            .setRequestVote(
                valid(new RequestVote(PEER, SELF, 1, 0, 0, false, false))
                    .getRequestVote()
                    .toBuilder()
                    .clearFrom())
            .build();
    InvalidMessageException e = rejected(frame);
    assertEquals("invalid RequestVote: from node id is missing", e.getMessage());
  }

  @Test
  void aBlankOrOverlongNodeIdIsRejected() {
    RequestVoteProto vote =
        valid(new RequestVote(PEER, SELF, 1, 0, 0, false, false)).getRequestVote();
    assertTrue(
        rejected(RaftFrame.newBuilder().setRequestVote(vote.toBuilder().setTo("   ")).build())
            .getMessage()
            .startsWith("invalid RequestVote: to: a node id must be 1 to 255 characters"));
    rejected(
        RaftFrame.newBuilder().setRequestVote(vote.toBuilder().setTo("x".repeat(256))).build());
  }

  @Test
  void aNegativeIndexIsRejected() {
    AppendEntriesProto append =
        valid(new AppendEntries(PEER, SELF, 1, 0, 0, List.of(), 0)).getAppendEntries();
    InvalidMessageException e =
        rejected(
            RaftFrame.newBuilder()
                .setAppendEntries(append.toBuilder().setPrevLogIndex(-1))
                .build());
    assertEquals(
        "invalid AppendEntries: prevLogIndex is out of range: 18446744073709551615",
        e.getMessage());
    rejected(
        RaftFrame.newBuilder()
            .setHeartbeat(
                HeartbeatProto.newBuilder().setFrom("n2").setTo("n1").setTerm(Long.MIN_VALUE))
            .build());
  }

  @Test
  void entriesMustFollowPrevLogIndexAndStartAtOne() {
    EntryProto entry =
        EntryProto.newBuilder()
            .setIndex(12)
            .setTerm(1)
            .setType(EntryTypeProto.ENTRY_TYPE_COMMAND)
            .build();
    AppendEntriesProto gap =
        AppendEntriesProto.newBuilder()
            .setFrom("n2")
            .setTo("n1")
            .setTerm(1)
            .setPrevLogIndex(10)
            .addEntries(entry)
            .build();
    assertTrue(
        rejected(RaftFrame.newBuilder().setAppendEntries(gap).build())
            .getMessage()
            .contains("expected index 11 but found 12"));
    AppendEntriesProto zeroTerm =
        gap.toBuilder().setPrevLogIndex(11).setEntries(0, entry.toBuilder().setTerm(0)).build();
    rejected(RaftFrame.newBuilder().setAppendEntries(zeroTerm).build());
  }

  @Test
  void unknownEntryTypesAndUndecodableConfigurationsAreRejected() {
    EntryProto unspecified = EntryProto.newBuilder().setIndex(1).setTerm(1).build();
    AppendEntriesProto append =
        AppendEntriesProto.newBuilder()
            .setFrom("n2")
            .setTo("n1")
            .setTerm(1)
            .addEntries(unspecified)
            .build();
    assertTrue(
        rejected(RaftFrame.newBuilder().setAppendEntries(append).build())
            .getMessage()
            .contains("unknown entry type ENTRY_TYPE_UNSPECIFIED"));
    EntryProto badConfig =
        unspecified.toBuilder()
            .setType(EntryTypeProto.ENTRY_TYPE_CONFIG)
            .setData(ByteString.copyFromUtf8("not a configuration"))
            .build();
    assertTrue(
        rejected(
                RaftFrame.newBuilder()
                    .setAppendEntries(append.toBuilder().setEntries(0, badConfig))
                    .build())
            .getMessage()
            .contains("CONFIG entry 1 holds no valid configuration"));
  }

  @Test
  void aSnapshotNeedsItsMetaAndAValidMembership() {
    InstallSnapshotProto chunk =
        valid(new InstallSnapshot(PEER, SELF, 1, SampleMessages.meta(), 0, new byte[1], false))
            .getInstallSnapshot();
    assertEquals(
        "invalid InstallSnapshot: meta is missing",
        rejected(RaftFrame.newBuilder().setInstallSnapshot(chunk.toBuilder().clearMeta()).build())
            .getMessage());
    InstallSnapshotProto twice =
        chunk.toBuilder()
            .setMeta(
                chunk.getMeta().toBuilder()
                    .setConfiguration(
                        chunk.getMeta().getConfiguration().toBuilder()
                            .addLearners(MemberProto.newBuilder().setId("n1"))))
            .build();
    assertTrue(
        rejected(RaftFrame.newBuilder().setInstallSnapshot(twice).build())
            .getMessage()
            .contains("member n1 is both voter and learner"));
  }

  @Test
  void nextOffsetMayBeMinusOneButNoLower() {
    InstallSnapshotResponseProto response =
        InstallSnapshotResponseProto.newBuilder()
            .setFrom("n2")
            .setTo("n1")
            .setTerm(1)
            .setNextOffset(-2)
            .build();
    rejected(RaftFrame.newBuilder().setInstallSnapshotResponse(response).build());
  }

  @Test
  void framesWithoutARaftMessageAreRejected() {
    assertEquals(
        "empty frame: no message in it", rejected(RaftFrame.getDefaultInstance()).getMessage());
    assertEquals(
        "not a Raft message: CLIENT_REQUEST",
        rejected(
                RaftFrame.newBuilder().setClientRequest(ClientRequest.getDefaultInstance()).build())
            .getMessage());
    rejected(RaftFrame.newBuilder().setProof(HandshakeProof.getDefaultInstance()).build());
  }

  @Test
  void encodingRefusesWhatDecodingWould() {
    assertThrows(
        InvalidMessageException.class,
        () -> RaftMessageMapper.toFrame(new RequestVote(PEER, SELF, -1, 0, 0, false, false)));
    assertThrows(
        InvalidMessageException.class,
        () ->
            RaftMessageMapper.toFrame(
                new AppendEntries(PEER, SELF, 1, 5, 1, List.of(Entry.noop(7, 1)), 0)));
  }
}
