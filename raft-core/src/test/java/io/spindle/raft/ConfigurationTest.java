package io.spindle.raft;

import static io.spindle.raft.NodeHarness.member;
import static io.spindle.raft.NodeHarness.nid;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The membership record, its codec (CONFIG entries and snapshot metadata carry it) and the
 * single-server change rules (thesis §4.1, §4.2.1).
 */
class ConfigurationTest {

  private static final Configuration THREE_AND_A_LEARNER =
      new Configuration(
          List.of(member("n3"), member("n1"), member("n2")), List.of(Member.of("n4", "")));

  // ---------------------------------------------------------------------------------------------
  // Codec.

  @Test
  void codecRoundTripsVotersLearnersAndAddresses() {
    Configuration c =
        new Configuration(
            List.of(Member.of("n1", "10.0.0.1:7000"), Member.of("nœud-2", "[::1]:7000")),
            List.of(Member.of("learner", ""), Member.of("l2", "host.example:7001")));

    assertEquals(c, ConfigurationCodec.decode(ConfigurationCodec.encode(c)));
  }

  @Test
  void codecRoundTripsEmptyConfiguration() {
    assertEquals(
        Configuration.empty(),
        ConfigurationCodec.decode(ConfigurationCodec.encode(Configuration.empty())));
  }

  @Test
  void equalMembershipsEncodeToEqualBytesWhateverTheOrderGiven() {
    Configuration a =
        new Configuration(List.of(member("n2"), member("n1")), List.of(member("n4"), member("n3")));
    Configuration b =
        new Configuration(List.of(member("n1"), member("n2")), List.of(member("n3"), member("n4")));

    assertEquals(a, b);
    assertArrayEquals(ConfigurationCodec.encode(a), ConfigurationCodec.encode(b));
  }

  @Test
  void configEntryCarriesItsConfiguration() {
    Entry e = Entry.config(7, 3, THREE_AND_A_LEARNER);

    assertEquals(EntryType.CONFIG, e.type());
    assertEquals(THREE_AND_A_LEARNER, e.configuration());
  }

  @Test
  void everyTruncationIsRejectedWithAClearError() {
    byte[] full = ConfigurationCodec.encode(THREE_AND_A_LEARNER);
    for (int len = 0; len < full.length; len++) {
      byte[] truncated = Arrays.copyOf(full, len);
      IllegalArgumentException e =
          assertThrows(
              IllegalArgumentException.class,
              () -> ConfigurationCodec.decode(truncated),
              "a configuration cut to " + len + " of " + full.length + " bytes must not decode");
      assertTrue(e.getMessage() != null && !e.getMessage().isBlank());
    }
  }

  @Test
  void unknownEncodingVersionIsRejected() {
    byte[] bytes = ConfigurationCodec.encode(THREE_AND_A_LEARNER);
    bytes[0] = 9;

    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> ConfigurationCodec.decode(bytes));
    assertTrue(e.getMessage().contains("version"), e.getMessage());
  }

  // ---------------------------------------------------------------------------------------------
  // The record's own rules.

  @Test
  void membersAreKeptSortedById() {
    assertEquals(
        List.of(nid("n1"), nid("n2"), nid("n3")),
        THREE_AND_A_LEARNER.voters().stream().map(Member::id).toList());
    assertEquals(
        List.of(nid("n1"), nid("n2"), nid("n3"), nid("n4")),
        THREE_AND_A_LEARNER.all().stream().map(Member::id).toList());
  }

  @Test
  void aMemberAppearsOnce() {
    assertThrows(
        IllegalArgumentException.class,
        () -> new Configuration(List.of(member("n1"), Member.of("n1", "other:1")), List.of()));
    assertThrows(
        IllegalArgumentException.class,
        () -> new Configuration(List.of(member("n1")), List.of(member("n1"))));
  }

  @ParameterizedTest(name = "{0} voters need {1}")
  @CsvSource({"1,1", "2,2", "3,2", "4,3", "5,3", "6,4", "7,4"})
  void quorumIsAMajorityOfVoters(int voters, int quorum) {
    Member[] members = new Member[voters];
    for (int i = 0; i < voters; i++) {
      members[i] = member("n" + i);
    }
    Configuration c =
        new Configuration(List.of(members), List.of(member("learner-a"), member("learner-b")));

    assertEquals(quorum, c.quorum(), "learners do not count towards the quorum (§4.2.1)");
  }

  // ---------------------------------------------------------------------------------------------
  // Single-server changes (thesis §4.1): add a learner, promote it, remove a member.

  @Test
  void addLearnerAddsANonVotingMember() {
    Configuration c =
        NodeHarness.voters("n1", "n2", "n3").apply(new ConfigChange.AddLearner(member("n4")));

    assertTrue(c.isLearner(nid("n4")));
    assertFalse(c.isVoter(nid("n4")));
    assertEquals(2, c.quorum());
    assertEquals(member("n4"), c.member(nid("n4")).orElseThrow());
  }

  @Test
  void addingAnExistingMemberIsRejected() {
    assertThrows(
        IllegalArgumentException.class,
        () -> THREE_AND_A_LEARNER.apply(new ConfigChange.AddLearner(member("n2"))));
    assertThrows(
        IllegalArgumentException.class,
        () -> THREE_AND_A_LEARNER.apply(new ConfigChange.AddLearner(member("n4"))));
  }

  @Test
  void promoteTurnsALearnerIntoAVoterKeepingItsAddress() {
    Configuration c = THREE_AND_A_LEARNER.apply(new ConfigChange.Promote(nid("n4")));

    assertTrue(c.isVoter(nid("n4")));
    assertFalse(c.isLearner(nid("n4")));
    assertEquals(3, c.quorum());
    assertEquals(Member.of("n4", ""), c.member(nid("n4")).orElseThrow());
  }

  @Test
  void onlyALearnerCanBePromoted() {
    IllegalArgumentException voter =
        assertThrows(
            IllegalArgumentException.class,
            () -> THREE_AND_A_LEARNER.apply(new ConfigChange.Promote(nid("n1"))));
    assertTrue(voter.getMessage().contains("learner"), voter.getMessage());
    assertThrows(
        IllegalArgumentException.class,
        () -> THREE_AND_A_LEARNER.apply(new ConfigChange.Promote(nid("n9"))));
  }

  @Test
  void removeTakesOutAVoterOrALearner() {
    Configuration withoutVoter = THREE_AND_A_LEARNER.apply(new ConfigChange.Remove(nid("n2")));
    Configuration withoutLearner = THREE_AND_A_LEARNER.apply(new ConfigChange.Remove(nid("n4")));

    assertFalse(withoutVoter.contains(nid("n2")));
    assertEquals(2, withoutVoter.voters().size());
    assertTrue(withoutVoter.isLearner(nid("n4")));
    assertFalse(withoutLearner.contains(nid("n4")));
    assertEquals(3, withoutLearner.voters().size());
  }

  @Test
  void removingANonMemberOrTheLastVoterIsRejected() {
    assertThrows(
        IllegalArgumentException.class,
        () -> THREE_AND_A_LEARNER.apply(new ConfigChange.Remove(nid("n9"))));
    Configuration single = new Configuration(List.of(member("n1")), List.of(member("n2")));
    assertThrows(
        IllegalArgumentException.class, () -> single.apply(new ConfigChange.Remove(nid("n1"))));
  }

  @Test
  void applyNeverChangesTheOriginal() {
    Configuration before = THREE_AND_A_LEARNER;
    byte[] bytes = ConfigurationCodec.encode(before);

    before.apply(new ConfigChange.Promote(nid("n4")));
    before.apply(new ConfigChange.Remove(nid("n1")));

    assertArrayEquals(bytes, ConfigurationCodec.encode(before));
  }
}
