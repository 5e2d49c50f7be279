/**
 * The node's interfaces: the REST API ({@code api}), health and metrics ({@code health}). Thin
 * edges: they validate input, turn it into domain values and delegate to the application services
 * and the node runtime of {@code ejb-raft}; they hold no state of their own.
 */
package io.spindle.web;
