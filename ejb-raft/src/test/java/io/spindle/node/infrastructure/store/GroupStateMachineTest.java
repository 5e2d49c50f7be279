package io.spindle.node.infrastructure.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.spindle.node.application.GroupService;
import io.spindle.protocol.node.CommandResult;
import io.spindle.protocol.node.ExpireMembers;
import io.spindle.protocol.node.GroupEventRecord;
import io.spindle.protocol.node.GroupMemberRecord;
import io.spindle.protocol.node.JoinGroup;
import io.spindle.protocol.node.LeaveGroup;
import io.spindle.protocol.node.MarkMembers;
import io.spindle.protocol.node.MemberRef;
import io.spindle.protocol.node.NodeCommand;
import io.spindle.protocol.node.RenewMembers;
import io.spindle.raft.Configuration;
import io.spindle.raft.Entry;
import io.spindle.raft.SnapshotMeta;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Group membership's apply rules, events, snapshots and garbage collection, on H2 and on real
 * MariaDB: joins, renewals by joining again, updates, leaves, the leader's renewals, expiries of
 * the same incarnation only, probe verdicts, the bounds, and the listener's view of it all.
 */
class GroupStateMachineTest {
  private static final long T0 = 1_700_000_000_000L;
  private final List<TestDatabase> databases = new ArrayList<>();
  private final List<GroupChangeListener.Change> heard = new ArrayList<>();
  private long nextIndex = 1;

  @AfterEach
  void dropSchemas() {
    databases.forEach(TestDatabase::close);
  }

  private FileStoreStateMachine machine(TestDatabase.Kind kind, StoreSettings settings) {
    TestDatabase db = TestDatabase.create(kind);
    databases.add(db);
    FileStoreStateMachine sm = db.stateMachine(settings);
    sm.listenToGroups(
        new GroupChangeListener() {
          @Override
          public void applied(List<Change> changes) {
            heard.addAll(changes);
          }

          @Override
          public void reloaded() {}
        });
    return sm;
  }

  @ParameterizedTest
  @EnumSource(TestDatabase.Kind.class)
  void joinRenewUpdateAndLeaveAreEventsAtTheirIndexes(TestDatabase.Kind kind) throws Exception {
    FileStoreStateMachine sm = machine(kind, StoreSettings.defaults());
    GroupQueries q = sm.groupQueries();

    CommandResult joined = apply(sm, join("web", "a", "10.0.0.1:80", Map.of("zone", "x"), T0));
    assertEquals(CommandResult.Status.OK, joined.getStatus(), joined.getMessage());
    assertTrue(joined.getCreated());
    long joinIndex = joined.getLogIndex();
    assertEquals(joinIndex, joined.getMember().getJoinIndex());
    assertEquals(Map.of("zone", "x"), joined.getMember().getMetaMap());

    CommandResult again = apply(sm, join("web", "a", "10.0.0.1:80", Map.of("zone", "x"), T0 + 5));
    assertFalse(again.getCreated(), "joining again renews");
    assertEquals(T0 + 5, again.getMember().getRenewedAtMillis());
    assertEquals(T0, again.getMember().getJoinedAtMillis());
    GroupQueries.GroupState state = q.group(utf8("web"), 0, true);
    assertEquals(joinIndex, state.index(), "a renewal is no change a watcher sees");
    assertEquals(1, state.changes().size());

    CommandResult moved = apply(sm, join("web", "a", "10.0.0.2:80", Map.of(), T0 + 6));
    assertFalse(moved.getCreated());
    assertEquals(joinIndex, moved.getMember().getJoinIndex(), "same incarnation");
    apply(sm, join("web", "b", "10.0.0.3:80", Map.of(), T0 + 7));
    CommandResult left = apply(sm, leave("web", "a"));
    assertEquals(CommandResult.Status.OK, left.getStatus());
    assertEquals(
        CommandResult.Status.NOT_FOUND, apply(sm, leave("web", "a")).getStatus(), "left already");

    state = q.group(utf8("web"), joinIndex, true);
    assertEquals(left.getLogIndex(), state.index());
    assertEquals(
        List.of("updated:a:10.0.0.2:80", "joined:b:10.0.0.3:80", "left:a:10.0.0.2:80"),
        state.changes().stream().map(GroupStateMachineTest::describe).toList());
    assertEquals(List.of("b"), ids(state.members()));
    assertEquals(1, q.groups().size());
    assertEquals(1, q.groups().get(0).getMemberCount());
    assertEquals(
        List.of(
            GroupChangeListener.Cause.JOIN,
            GroupChangeListener.Cause.JOIN,
            GroupChangeListener.Cause.JOIN,
            GroupChangeListener.Cause.JOIN,
            GroupChangeListener.Cause.LEAVE),
        heard.stream().map(GroupChangeListener.Change::cause).toList());
    assertEquals(
        List.of(true, false, true, true, true),
        heard.stream().map(GroupChangeListener.Change::visible).toList());
  }

  @ParameterizedTest
  @EnumSource(TestDatabase.Kind.class)
  void expiryRemovesOnlyTheIncarnationTheLeaderSawAndNotOneThatRenewedSince(TestDatabase.Kind kind)
      throws Exception {
    FileStoreStateMachine sm = machine(kind, StoreSettings.defaults());
    long first = apply(sm, join("g", "m", "h:1", Map.of(), T0)).getLogIndex();
    apply(sm, renew("g", "m", first, T0 + 1_000));
    assertEquals(
        T0 + 1_000,
        sm.groupQueries().group(utf8("g"), 0, false).members().get(0).getRenewedAtMillis());

    // It joined again (renewed) after the leader decided its lease ran out: it stays.
    apply(sm, join("g", "m", "h:1", Map.of(), T0 + 3_000));
    apply(sm, expire("g", "m", first, T0 + 1_000));
    assertEquals(1, sm.groupQueries().group(utf8("g"), 0, false).members().size());

    // Left and joined again: a new incarnation, which an expiry of the old one leaves alone.
    apply(sm, leave("g", "m"));
    long second = apply(sm, join("g", "m", "h:1", Map.of(), T0 + 4_000)).getLogIndex();
    apply(sm, expire("g", "m", first, T0 + 9_000));
    assertEquals(1, sm.groupQueries().group(utf8("g"), 0, false).members().size());

    apply(sm, mark("g", "m", second, true));
    GroupMemberRecord suspect = sm.groupQueries().group(utf8("g"), 0, false).members().get(0);
    assertTrue(suspect.getSuspect());
    apply(sm, expire("g", "m", second, T0 + 4_000));
    GroupQueries.GroupState state = sm.groupQueries().group(utf8("g"), 0, true);
    assertTrue(state.members().isEmpty());
    assertEquals(
        List.of("suspect:m:h:1", "expired:m:h:1"),
        state.changes().subList(state.changes().size() - 2, state.changes().size()).stream()
            .map(GroupStateMachineTest::describe)
            .toList());
    assertTrue(sm.groupQueries().groups().isEmpty(), "a group without members is not listed");
  }

  @ParameterizedTest
  @EnumSource(TestDatabase.Kind.class)
  void badNamesAndSpecsAreRejectedAndStoreNothing(TestDatabase.Kind kind) throws Exception {
    FileStoreStateMachine sm = machine(kind, StoreSettings.defaults());
    assertEquals(
        CommandResult.Status.REJECTED,
        apply(sm, join("a/b", "m", "h:1", Map.of(), T0)).getStatus());
    assertEquals(
        CommandResult.Status.REJECTED, apply(sm, join("g", "", "h:1", Map.of(), T0)).getStatus());
    NodeCommand notUtf8 =
        NodeCommand.newBuilder()
            .setJoinGroup(
                JoinGroup.newBuilder()
                    .setGroup(ByteString.copyFrom(new byte[] {(byte) 0xC3, 0x28}))
                    .setMemberId(ByteString.copyFromUtf8("m"))
                    .setAddress("h:1")
                    .setTtlMs(30_000)
                    .setProbe("none"))
            .build();
    assertEquals(CommandResult.Status.REJECTED, apply(sm, notUtf8).getStatus());
    NodeCommand tcpWithoutPort =
        NodeCommand.newBuilder()
            .setJoinGroup(
                JoinGroup.newBuilder()
                    .setGroup(ByteString.copyFromUtf8("g"))
                    .setMemberId(ByteString.copyFromUtf8("m"))
                    .setAddress("host-only")
                    .setTtlMs(30_000)
                    .setProbe("tcp"))
            .build();
    CommandResult refused = apply(sm, tcpWithoutPort);
    assertEquals(CommandResult.Status.REJECTED, refused.getStatus());
    assertTrue(refused.getMessage().contains("host:port"), refused.getMessage());
    assertTrue(sm.groupQueries().groups().isEmpty());
    assertTrue(sm.groupQueries().allMembers().isEmpty());
  }

  @ParameterizedTest
  @EnumSource(TestDatabase.Kind.class)
  void aFullGroupRefusesNewMembersButRenewsItsOwn(TestDatabase.Kind kind) throws Exception {
    FileStoreStateMachine sm = machine(kind, StoreSettings.defaults());
    List<Entry> entries = new ArrayList<>();
    for (int i = 0; i < GroupService.MAX_MEMBERS_PER_GROUP; i++) {
      entries.add(command(join("big", "m" + i, "h:1", Map.of(), T0)));
    }
    for (byte[] r : sm.apply(entries)) {
      assertEquals(CommandResult.Status.OK, CommandResult.parseFrom(r).getStatus());
    }
    CommandResult full = apply(sm, join("big", "one-more", "h:1", Map.of(), T0));
    assertEquals(CommandResult.Status.GROUP_FULL, full.getStatus());
    assertTrue(full.getMessage().contains("10000 members"), full.getMessage());
    assertEquals(
        CommandResult.Status.OK, apply(sm, join("big", "m7", "h:1", Map.of(), T0 + 1)).getStatus());
    assertEquals(
        GroupService.MAX_MEMBERS_PER_GROUP, sm.groupQueries().groups().get(0).getMemberCount());
  }

  @ParameterizedTest
  @EnumSource(TestDatabase.Kind.class)
  void snapshotsCarryGroupsMembersAndEvents(TestDatabase.Kind kind) throws Exception {
    FileStoreStateMachine sm = machine(kind, StoreSettings.defaults());
    apply(sm, join("ünï/", "a", "h:1", Map.of(), T0)); // rejected: '/'
    apply(sm, join("ünï", "ファイル", "h:1", Map.of("k", "v", "a", "b"), T0));
    apply(sm, join("ünï", "b", "h:2", Map.of(), T0));
    apply(sm, leave("ünï", "b"));
    apply(sm, join("other", "c", "h:3", Map.of(), T0));

    ByteArrayOutputStream snapshot = new ByteArrayOutputStream();
    sm.takeSnapshot(snapshot);
    SnapshotMeta meta =
        new SnapshotMeta(sm.appliedIndex(), 1, Configuration.empty(), snapshot.size());
    TestDatabase target = TestDatabase.create(kind);
    databases.add(target);
    FileStoreStateMachine rebuilt = target.stateMachine(StoreSettings.defaults());
    boolean[] reloaded = {false};
    rebuilt.listenToGroups(
        new GroupChangeListener() {
          @Override
          public void applied(List<Change> changes) {}

          @Override
          public void reloaded() {
            reloaded[0] = true;
          }
        });
    rebuilt.apply(List.of(command(join("junk", "x", "h:9", Map.of(), T0))));
    rebuilt.installSnapshot(new ByteArrayInputStream(snapshot.toByteArray()), meta);
    assertTrue(reloaded[0], "the listener is told to read the members again");
    assertEquals(databases.get(0).digest(), target.digest());
    assertEquals(
        sm.groupQueries().group(utf8("ünï"), 0, true),
        rebuilt.groupQueries().group(utf8("ünï"), 0, true));
    ByteArrayOutputStream again = new ByteArrayOutputStream();
    rebuilt.takeSnapshot(again);
    assertArrayEquals(snapshot.toByteArray(), again.toByteArray(), "snapshots are deterministic");
  }

  @ParameterizedTest
  @EnumSource(TestDatabase.Kind.class)
  void oldEventsAreCollectedAndAWatcherThatFellBehindIsToldToStartOver(TestDatabase.Kind kind)
      throws Exception {
    StoreSettings settings = new StoreSettings(10, 1_000, 20);
    FileStoreStateMachine sm = machine(kind, settings);
    long joined = apply(sm, join("g", "a", "h:1", Map.of(), T0)).getLogIndex();
    apply(sm, join("g", "b", "h:1", Map.of(), T0));
    apply(sm, leave("g", "b"));
    apply(sm, join("empty", "x", "h:1", Map.of(), T0));
    apply(sm, leave("empty", "x"));
    GroupQueries.GroupState recent = sm.groupQueries().group(utf8("g"), joined, true);
    assertFalse(recent.reset());
    assertEquals(2, recent.changes().size());
    List<Entry> filler = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      filler.add(Entry.noop(nextIndex++, 1));
    }
    sm.apply(filler);
    GroupQueries.GroupState behind = sm.groupQueries().group(utf8("g"), joined, true);
    assertTrue(behind.reset(), "events after " + joined + " were collected");
    assertTrue(behind.changes().isEmpty());
    assertEquals(List.of("a"), ids(behind.members()));
    GroupQueries.GroupState current = sm.groupQueries().group(utf8("g"), behind.index(), true);
    assertFalse(current.reset());
    assertEquals(
        0, sm.groupQueries().group(utf8("empty"), 0, false).index(), "empty group dropped");
  }

  // ---------------------------------------------------------------- helpers

  private CommandResult apply(FileStoreStateMachine sm, NodeCommand command) throws Exception {
    List<byte[]> results = sm.apply(List.of(command(command)));
    return CommandResult.parseFrom(results.get(0));
  }

  private Entry command(NodeCommand command) {
    return Entry.command(nextIndex++, 1, command.toByteArray());
  }

  private static NodeCommand join(
      String group, String member, String address, Map<String, String> meta, long at) {
    return NodeCommand.newBuilder()
        .setJoinGroup(
            JoinGroup.newBuilder()
                .setGroup(ByteString.copyFromUtf8(group))
                .setMemberId(ByteString.copyFromUtf8(member))
                .setAddress(address)
                .setTtlMs(30_000)
                .putAllMeta(meta)
                .setProbe("none")
                .setAtMillis(at))
        .build();
  }

  private static NodeCommand leave(String group, String member) {
    return NodeCommand.newBuilder()
        .setLeaveGroup(
            LeaveGroup.newBuilder()
                .setGroup(ByteString.copyFromUtf8(group))
                .setMemberId(ByteString.copyFromUtf8(member)))
        .build();
  }

  private static MemberRef ref(String group, String member, long joinIndex, long renewedAt) {
    return MemberRef.newBuilder()
        .setGroup(ByteString.copyFromUtf8(group))
        .setMemberId(ByteString.copyFromUtf8(member))
        .setJoinIndex(joinIndex)
        .setRenewedAtMillis(renewedAt)
        .build();
  }

  private static NodeCommand renew(String group, String member, long joinIndex, long at) {
    return NodeCommand.newBuilder()
        .setRenewMembers(RenewMembers.newBuilder().addMembers(ref(group, member, joinIndex, at)))
        .build();
  }

  private static NodeCommand expire(String group, String member, long joinIndex, long renewedAt) {
    return NodeCommand.newBuilder()
        .setExpireMembers(
            ExpireMembers.newBuilder().addMembers(ref(group, member, joinIndex, renewedAt)))
        .build();
  }

  private static NodeCommand mark(String group, String member, long joinIndex, boolean suspect) {
    return NodeCommand.newBuilder()
        .setMarkMembers(
            MarkMembers.newBuilder()
                .addMembers(ref(group, member, joinIndex, 0))
                .setSuspect(suspect))
        .build();
  }

  private static String describe(GroupEventRecord e) {
    return e.getKind() + ":" + e.getMemberId().toStringUtf8() + ":" + e.getAddress();
  }

  private static List<String> ids(List<GroupMemberRecord> members) {
    return members.stream().map(m -> m.getMemberId().toStringUtf8()).toList();
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
