/**
 * MicroProfile Health and Metrics of a node: readiness (a leader is known and the log is applied)
 * and the Raft gauges under {@code /metrics}.
 */
package io.spindle.web.health;
