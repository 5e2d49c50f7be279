package io.spindle.raft;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * The membership of the cluster: voters, who elect and count towards commit, and learners, who
 * receive the log but do not vote (thesis §4.2.1). A configuration is immutable; changes produce a
 * new one. Members are kept sorted by id so that equal memberships encode to equal bytes.
 */
public record Configuration(List<Member> voters, List<Member> learners) {
  public Configuration {
    voters = sorted(voters);
    learners = sorted(learners);
    Set<NodeId> seen = new TreeSet<>();
    for (Member m : voters) {
      if (!seen.add(m.id())) {
        throw new IllegalArgumentException("member " + m.id() + " appears twice");
      }
    }
    for (Member m : learners) {
      if (!seen.add(m.id())) {
        throw new IllegalArgumentException("member " + m.id() + " is both voter and learner");
      }
    }
  }

  public static Configuration ofVoters(Member... voters) {
    return new Configuration(List.of(voters), List.of());
  }

  public static Configuration empty() {
    return new Configuration(List.of(), List.of());
  }

  private static List<Member> sorted(Collection<Member> members) {
    List<Member> list = new ArrayList<>(members == null ? List.of() : members);
    list.sort((a, b) -> a.id().compareTo(b.id()));
    return List.copyOf(list);
  }

  public boolean isVoter(NodeId id) {
    return voters.stream().anyMatch(m -> m.id().equals(id));
  }

  public boolean isLearner(NodeId id) {
    return learners.stream().anyMatch(m -> m.id().equals(id));
  }

  public boolean contains(NodeId id) {
    return isVoter(id) || isLearner(id);
  }

  public Optional<Member> member(NodeId id) {
    return all().stream().filter(m -> m.id().equals(id)).findFirst();
  }

  /** Voters then learners. */
  public List<Member> all() {
    List<Member> all = new ArrayList<>(voters);
    all.addAll(learners);
    return all;
  }

  public Set<NodeId> voterIds() {
    Set<NodeId> ids = new TreeSet<>();
    voters.forEach(m -> ids.add(m.id()));
    return ids;
  }

  public Set<NodeId> allIds() {
    Set<NodeId> ids = new TreeSet<>();
    all().forEach(m -> ids.add(m.id()));
    return ids;
  }

  /** The storage recorded for member {@code id} ({@link StorageId#UNKNOWN} if none or unknown). */
  public StorageId storageOf(NodeId id) {
    return member(id).map(Member::storage).orElse(StorageId.UNKNOWN);
  }

  /** The number of votes that make a majority of the voters. */
  public int quorum() {
    return voters.size() / 2 + 1;
  }

  /** The result of applying {@code change}, or a reason why it does not apply. */
  public Configuration apply(ConfigChange change) {
    Map<NodeId, Member> v = new LinkedHashMap<>();
    Map<NodeId, Member> l = new LinkedHashMap<>();
    voters.forEach(m -> v.put(m.id(), m));
    learners.forEach(m -> l.put(m.id(), m));
    if (change instanceof ConfigChange.AddLearner add) {
      if (contains(add.member().id())) {
        throw new IllegalArgumentException(add.member().id() + " is already a member");
      }
      l.put(add.member().id(), add.member());
    } else if (change instanceof ConfigChange.Promote promote) {
      Member m = l.remove(promote.id());
      if (m == null) {
        throw new IllegalArgumentException(
            promote.id() + " is not a learner; add it as a learner first");
      }
      v.put(m.id(), m);
    } else if (change instanceof ConfigChange.Remove remove) {
      if (v.remove(remove.id()) == null && l.remove(remove.id()) == null) {
        throw new IllegalArgumentException(remove.id() + " is not a member");
      }
      if (v.isEmpty()) {
        throw new IllegalArgumentException("cannot remove the last voter");
      }
    } else if (change instanceof ConfigChange.Readdress readdress) {
      Member m = readdress.member();
      Map<NodeId, Member> role = roleOf(m.id(), v, l);
      Member old = role.get(m.id());
      if (old.address().equals(m.address())) {
        throw new IllegalArgumentException(m.id() + " already has the address " + m.address());
      }
      role.put(m.id(), old.withAddress(m.address())); // the same place, the same storage
    } else if (change instanceof ConfigChange.Identify identify) {
      Map<NodeId, Member> role = roleOf(identify.id(), v, l);
      Member old = role.get(identify.id());
      if (old.storage().isKnown()) {
        throw new IllegalArgumentException(
            identify.id() + " is already known to answer from storage " + old.storage());
      }
      if (!identify.storage().isKnown()) {
        throw new IllegalArgumentException("cannot identify " + identify.id() + " as unknown");
      }
      role.put(identify.id(), old.withStorage(identify.storage()));
    } else if (change instanceof ConfigChange.Rejoin rejoin) {
      Map<NodeId, Member> role = roleOf(rejoin.id(), v, l);
      Member old = role.get(rejoin.id());
      if (!old.storage().isKnown() || old.storage().equals(rejoin.storage())) {
        throw new IllegalArgumentException(
            rejoin.id()
                + " answers from its recorded storage "
                + old.storage()
                + "; nothing to do");
      }
      if (!rejoin.storage().isKnown()) {
        throw new IllegalArgumentException("cannot rejoin " + rejoin.id() + " as unknown");
      }
      role.remove(rejoin.id());
      if (v.isEmpty()) {
        throw new IllegalArgumentException(
            rejoin.id() + " is the last voter and lost its storage: the cluster's data is gone");
      }
      l.put(rejoin.id(), old.withStorage(rejoin.storage()));
    }
    return new Configuration(List.copyOf(v.values()), List.copyOf(l.values()));
  }

  private static Map<NodeId, Member> roleOf(
      NodeId id, Map<NodeId, Member> voters, Map<NodeId, Member> learners) {
    if (voters.containsKey(id)) {
      return voters;
    }
    if (learners.containsKey(id)) {
      return learners;
    }
    throw new IllegalArgumentException(id + " is not a member; add it as a learner");
  }
}
