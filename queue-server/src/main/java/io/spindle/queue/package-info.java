/**
 * The queue server, Spindle's front door: {@link io.spindle.queue.QueueServer} (start, stop, the
 * cluster view), {@link io.spindle.queue.QueueServerSettings} and the command line, {@link
 * io.spindle.queue.QueueServerMain}.
 *
 * <p>Sub-packages, inner first: {@code jobs} (queues and leases, plain data), {@code spool}
 * (uploads on disk), {@code service} (the logic, on one thread), {@code transport} (Netty).
 * Dependencies point inward: transport → service → jobs, spool.
 */
package io.spindle.queue;
