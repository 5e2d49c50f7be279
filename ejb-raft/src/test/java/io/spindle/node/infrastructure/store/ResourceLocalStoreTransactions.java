package io.spindle.node.infrastructure.store;

import jakarta.persistence.EntityManager;
import jakarta.persistence.EntityManagerFactory;
import jakarta.persistence.EntityTransaction;
import jakarta.persistence.FlushModeType;
import java.util.Objects;
import java.util.function.Function;
import org.eclipse.persistence.sessions.UnitOfWork;

/**
 * {@link StoreTransactions} over a RESOURCE_LOCAL {@link EntityManagerFactory}, for the tests. The
 * factory is the caller's: this class never closes it.
 */
public final class ResourceLocalStoreTransactions implements StoreTransactions {
  private final EntityManagerFactory factory;

  public ResourceLocalStoreTransactions(EntityManagerFactory factory) {
    this.factory = Objects.requireNonNull(factory, "factory");
  }

  @Override
  public <T> T inTransaction(Function<EntityManager, T> work) {
    EntityManager em = factory.createEntityManager();
    EntityTransaction tx = em.getTransaction();
    try {
      tx.begin();
      T result = work.apply(em);
      tx.commit();
      return result;
    } catch (RuntimeException | Error e) {
      if (tx.isActive()) {
        try {
          tx.rollback();
        } catch (RuntimeException rollback) {
          e.addSuppressed(rollback);
        }
      }
      throw e;
    } finally {
      em.close();
    }
  }

  @Override
  public <T> T read(Function<EntityManager, T> work) {
    EntityManager em = factory.createEntityManager();
    EntityTransaction tx = em.getTransaction();
    try {
      tx.begin();
      // Start the database transaction now, as a JTA transaction does, not at the first write (a
      // read has none): every query of the work then reads the same snapshot.
      em.unwrap(UnitOfWork.class).beginEarlyTransaction();
      em.setFlushMode(FlushModeType.COMMIT); // as JtaStoreTransactions.read
      return work.apply(em);
    } finally {
      if (tx.isActive()) {
        tx.rollback();
      }
      em.close();
    }
  }
}
