package io.spindle.raft;

import java.util.Objects;

/**
 * A member of the cluster, where to reach it, and the storage it answers from. The core never
 * interprets {@code address}; it is carried through the log so that every node learns how to reach
 * members added later. {@code storage} is {@link StorageId#UNKNOWN} until the leader has heard the
 * member answer (see {@link StorageId}).
 */
public record Member(NodeId id, String address, StorageId storage) {
  public Member {
    Objects.requireNonNull(id, "id");
    address = address == null ? "" : address;
    storage = storage == null ? StorageId.UNKNOWN : storage;
  }

  /** A member whose storage is not known yet. */
  public Member(NodeId id, String address) {
    this(id, address, StorageId.UNKNOWN);
  }

  public static Member of(String id, String address) {
    return new Member(NodeId.of(id), address);
  }

  public Member withStorage(StorageId newStorage) {
    return new Member(id, address, newStorage);
  }

  public Member withAddress(String newAddress) {
    return new Member(id, newAddress, storage);
  }
}
