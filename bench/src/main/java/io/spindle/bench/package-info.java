/**
 * The benchmark programs behind {@code bin/spindle bench}: {@link io.spindle.bench.RaftBench}
 * ({@code bench raft}: the Raft server runtime alone, three processes of raft-server's test
 * key-value server), {@link io.spindle.bench.FilesBench} ({@code bench files}: a running cluster's
 * REST API), {@link io.spindle.bench.ApplyBench} ({@code bench apply}: the node's state machine
 * alone, beside the raw-JDBC floor of the same rows), {@link io.spindle.bench.GroupsBench} ({@code
 * bench groups}: group membership through a cluster's REST API, with {@link
 * io.spindle.bench.GroupMemberProcess} as the member processes it kills) and {@link
 * io.spindle.bench.CountLoopBench} (the word-count loop alone, part of {@code bench count}). Behind
 * {@code FilesBench}, package-private: {@code FilesClient} (its HTTP calls), {@code
 * RawDatabaseRates} (the raw database figures), {@code FilesBenchOutput} (what it prints) and
 * {@code BenchException} (a failure meant for the user).
 *
 * <p>Depends on {@code raft-server} (and its test key-value server), on the node's word-count
 * domain and state machine, and on ejb-raft's test jar (the store's test database). Only
 * system-tests depends on this module, to run {@code GroupMemberProcess}; nothing of it ships in
 * the node.
 */
package io.spindle.bench;
