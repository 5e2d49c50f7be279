/**
 * Durable storage for one Raft node, on local files through {@code java.nio}: the log ({@link
 * io.spindle.raft.server.log.SegmentedLogStore}, CRC-checked append-only segments with group
 * commit), the term and vote ({@link io.spindle.raft.server.log.FileHardStateStore}) and snapshots
 * ({@link io.spindle.raft.server.log.FileSnapshotStore}).
 *
 * <p>They implement the storage SPIs of {@code io.spindle.raft} and follow their contracts: one
 * caller thread (the Raft driver), blocking local I/O, failures as {@link
 * io.spindle.raft.StorageException}. Every store recovers on open: what a crash tore is detected by
 * checksums and dropped with a warning; damage a crash cannot explain stops the node with a message
 * that says what to do.
 *
 * <p>This package depends on the JDK and {@code raft-core} only; the driver (through {@code
 * DurableRaftStorage}) wires it in. Nothing in {@code raft-core} may depend on it.
 */
package io.spindle.raft.server.log;
