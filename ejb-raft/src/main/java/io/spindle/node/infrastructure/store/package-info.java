/**
 * The replicated file store on JPA: the Raft {@link io.spindle.raft.server.StateMachine} that
 * applies {@code node.proto} commands to the node's own database ({@link
 * io.spindle.node.infrastructure.store.FileStoreStateMachine}, with {@link
 * io.spindle.node.infrastructure.store.CommandApplier}, {@link
 * io.spindle.node.infrastructure.store.CommandValidation}, {@link
 * io.spindle.node.infrastructure.store.RequestIdLedger}, {@link
 * io.spindle.node.infrastructure.store.StoreGarbageCollector} and its reads in {@link
 * io.spindle.node.infrastructure.store.StoreQueries}), its entities (and, for new small files, the
 * same rows as JDBC batches on the transaction's connection: {@link
 * io.spindle.node.infrastructure.store.SmallFileInserts}), the transaction boundary ({@link
 * io.spindle.node.infrastructure.store.StoreTransactions}: resource-local in tests, JTA in the
 * container) and the snapshot format. Depends on the domain, the Raft driver's SPI, the protocol
 * and EclipseLink (Payara's: the unit of work's connection); nothing outside the infrastructure
 * depends on it but the application's {@code RaftFileService}.
 */
package io.spindle.node.infrastructure.store;
