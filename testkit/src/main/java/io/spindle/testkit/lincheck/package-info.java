/**
 * A linearizability checker for key-value histories, to judge what clients of a Raft cluster saw:
 * record a {@link io.spindle.testkit.lincheck.History} of {@link
 * io.spindle.testkit.lincheck.Operation}s (PUT, GET, DELETE, APPEND, CAS on registers per key),
 * then ask {@link io.spindle.testkit.lincheck.LinearizabilityChecker} for a verdict that explains
 * any violation.
 *
 * <p>Part of the test kit, so the Raft simulation and the system tests of other modules share one
 * checker. It depends on the JDK only, and nothing of Spindle: any driver that can timestamp
 * invocations and answers can use it.
 */
package io.spindle.testkit.lincheck;
