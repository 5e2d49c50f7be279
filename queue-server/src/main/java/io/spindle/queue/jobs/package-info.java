/**
 * The queues of the queue server, as plain data structures: {@link io.spindle.queue.jobs.JobQueues}
 * (the bounded leader and shared queues, leases with expiry and renewal, leader-only dispatch by
 * term, first-result-wins completion) and {@link io.spindle.queue.jobs.ResultCache} (answers by
 * request id, for retries).
 *
 * <p>JDK only, no I/O, no threads: the queue service's single thread owns them, and time comes from
 * an injected {@link java.time.InstantSource}, so tests drive leases with a manual clock. Job
 * payloads are opaque here.
 */
package io.spindle.queue.jobs;
