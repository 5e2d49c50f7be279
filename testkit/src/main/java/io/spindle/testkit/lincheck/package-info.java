/**
 * A linearizability checker for key-value histories, to judge what clients of a Raft cluster saw:
 * record a {@link io.spindle.testkit.lincheck.History} of {@link
 * io.spindle.testkit.lincheck.Operation}s (PUT, GET, DELETE, APPEND, CAS on registers per key),
 * then ask {@link io.spindle.testkit.lincheck.LinearizabilityChecker} for a verdict that explains
 * any violation. Behind the checker, package-private: {@code Register} (the sequential
 * specification of a key) and {@code KeySearch} (the search for one key's linearization), with what
 * the search uses: {@code EventList} (the calls and returns still to order), {@code OrderStep} (the
 * order built so far), {@code ExploredConfigurations} (the memo of configurations explored), {@code
 * PendingStepReductions} (where pending operations matter, and the lookahead), {@code
 * InterchangeableWrites} (the symmetry of pending blind writes), {@code SearchBudget} (the effort
 * bounds) and {@code VerdictExplanations} (what a verdict tells a person).
 *
 * <p>Part of the test kit, so the Raft simulation and the system tests of other modules share one
 * checker. It depends on the JDK only, and nothing of Spindle: any driver that can timestamp
 * invocations and answers can use it.
 */
package io.spindle.testkit.lincheck;
