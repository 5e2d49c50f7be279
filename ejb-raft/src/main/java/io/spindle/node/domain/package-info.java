/**
 * The node's domain: value objects for files and members. Depends on nothing but the JDK (and the
 * Raft core's records); the application and infrastructure layers depend on it.
 */
package io.spindle.node.domain;
