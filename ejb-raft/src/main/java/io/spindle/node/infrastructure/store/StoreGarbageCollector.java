package io.spindle.node.infrastructure.store;

import static io.spindle.node.infrastructure.store.StoreRows.deleteChunks;

import jakarta.persistence.EntityManager;
import java.util.List;
import java.util.logging.Logger;

/**
 * Collects the store's garbage for {@link FileStoreStateMachine}: staged uploads idle for {@link
 * StoreSettings#stagedUploadTtlEntries()} entries and request ids older than {@link
 * StoreSettings#requestTtlEntries()}, inside the batch's transaction.
 *
 * <p><b>Threading:</b> the Raft apply thread only.
 */
final class StoreGarbageCollector {
  // The state machine's logger, as when it collected the garbage itself: logging config stays
  // valid.
  private static final Logger LOG = Logger.getLogger(FileStoreStateMachine.class.getName());

  private final StoreSettings settings;

  StoreGarbageCollector(StoreSettings settings) {
    this.settings = settings;
  }

  /**
   * Deletes staged uploads idle for the TTL and request ids past theirs. Runs at fixed log indexes,
   * so every replica deletes the same rows at the same point of the log.
   */
  void collect(EntityManager em, long index) {
    em.flush();
    long stagedCut = index - settings.stagedUploadTtlEntries();
    if (stagedCut > 0) {
      List<String> abandoned =
          em.createQuery(
                  "SELECT s.uploadId FROM StagedUploadRow s WHERE s.lastIndex <= :cut"
                      + " ORDER BY s.uploadId",
                  String.class)
              .setParameter("cut", stagedCut)
              .getResultList();
      for (String uploadId : abandoned) {
        deleteChunks(em, uploadId);
      }
      if (!abandoned.isEmpty()) {
        em.createQuery("DELETE FROM StagedUploadRow s WHERE s.lastIndex <= :cut")
            .setParameter("cut", stagedCut)
            .executeUpdate();
        LOG.fine(() -> "at index " + index + " dropped abandoned uploads " + abandoned);
      }
    }
    long requestCut = index - settings.requestTtlEntries();
    if (requestCut > 0) {
      em.createQuery("DELETE FROM AppliedRequestRow r WHERE r.logIndex <= :cut")
          .setParameter("cut", requestCut)
          .executeUpdate();
    }
    // Group events live as long as request ids: GroupQueries computes the same cut.
    GroupTables.collect(em, requestCut);
    em.clear(); // bulk deletes bypass the persistence context: drop what it may still hold
  }
}
