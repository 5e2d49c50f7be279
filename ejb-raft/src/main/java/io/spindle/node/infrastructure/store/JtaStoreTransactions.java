package io.spindle.node.infrastructure.store;

import jakarta.ejb.Local;
import jakarta.ejb.Stateless;
import jakarta.ejb.TransactionAttribute;
import jakarta.ejb.TransactionAttributeType;
import jakarta.persistence.EntityManager;
import jakarta.persistence.FlushModeType;
import jakarta.persistence.PersistenceContext;
import java.util.function.Function;

/**
 * {@link StoreTransactions} in the container: each call is a new JTA transaction (REQUIRES_NEW) on
 * the {@code spindle} persistence unit. An exception from the work rolls it back (a
 * RuntimeException from a business method is a system exception: the container rolls back and wraps
 * it in an {@code EJBException}).
 */
@Stateless
@Local(StoreTransactions.class)
@TransactionAttribute(TransactionAttributeType.REQUIRES_NEW)
public class JtaStoreTransactions implements StoreTransactions {
  @PersistenceContext(unitName = "spindle")
  private EntityManager em;

  @Override
  public <T> T inTransaction(Function<EntityManager, T> work) {
    return work.apply(em);
  }

  /**
   * The work's queries do not flush the persistence context first (a read has nothing to flush):
   * with the default AUTO mode, each query compared every entity read so far with its original, and
   * a snapshot's one query per chunk over tens of thousands of files ran for minutes.
   */
  @Override
  public <T> T read(Function<EntityManager, T> work) {
    em.setFlushMode(FlushModeType.COMMIT);
    return work.apply(em);
  }
}
