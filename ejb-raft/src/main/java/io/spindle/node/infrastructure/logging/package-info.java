/**
 * Logging helpers of the node: rate limits for errors that can repeat without end. Depends on
 * java.util.logging only.
 */
package io.spindle.node.infrastructure.logging;
