/**
 * Logging helpers shared by the queue server and the nodes: rate limits for errors that can repeat
 * without end (a job failing in a loop, a port fed garbage). Depends on java.util.logging only.
 */
package io.spindle.protocol.logging;
