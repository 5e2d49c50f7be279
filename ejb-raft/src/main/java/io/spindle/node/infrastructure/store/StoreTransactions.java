package io.spindle.node.infrastructure.store;

import jakarta.persistence.EntityManager;
import java.util.function.Function;

/**
 * The store's transaction boundary: runs work with an {@link EntityManager} in one transaction,
 * committed when the work returns and rolled back when it throws.
 *
 * <p><b>Threading:</b> thread-safe; each call gets its own transaction (and entity manager). The
 * state machine calls {@link #inTransaction} on the Raft apply thread; readers call {@link #read}
 * on theirs. <b>Blocking:</b> does database I/O. <b>Errors:</b> what the work throws, or the
 * persistence provider's {@code PersistenceException}, after the rollback.
 */
public interface StoreTransactions {
  /** Runs {@code work} in a new read-write transaction. */
  <T> T inTransaction(Function<EntityManager, T> work);

  /** Runs {@code work} in a new transaction that writes nothing (a consistent read on InnoDB). */
  <T> T read(Function<EntityManager, T> work);
}
