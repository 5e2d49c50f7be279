/**
 * A linearizability checker for key-value histories, to judge what clients of a Raft cluster saw:
 * record a {@link io.spindle.raft.lincheck.History} of {@link io.spindle.raft.lincheck.Operation}s
 * (PUT, GET, DELETE, APPEND, CAS on registers per key), then ask {@link
 * io.spindle.raft.lincheck.LinearizabilityChecker} for a verdict that explains any violation.
 *
 * <p>Test code of {@code raft-core}, shipped in its test-jar so the simulator and the system tests
 * of other modules reuse it. It depends on the JDK only, and nothing of Spindle: any driver that
 * can timestamp invocations and answers can use it.
 */
package io.spindle.raft.lincheck;
