/**
 * Health and metrics of a node: MicroProfile Health readiness (a leader is known and the log is
 * applied) and the Prometheus metrics under {@code /metrics} (Raft term and indexes, apply lag,
 * proposals, the fsync histogram), read from the application layer's {@code NodeFacade} at each
 * scrape.
 */
package io.spindle.web.health;
