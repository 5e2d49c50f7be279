/**
 * The queue server's logic, independent of the transport: {@link
 * io.spindle.queue.service.QueueService} turns client requests into jobs and steals into leased
 * batches, and routes node results back; {@code ChunkedWrites} takes chunked uploads from
 * WriteBegin to a queued write job; {@code Answers} routes replies to the waiting connections and
 * caches final answers for retries; {@code NodeDirectory} keeps what each node reported; {@link
 * io.spindle.queue.service.Peer} is a connection as the service sees one; {@link
 * io.spindle.queue.service.ClusterView} is the cluster as the nodes report it, for discovery.
 *
 * <p>Everything here but the public entry points of {@code QueueService} runs on its one core
 * thread. Depends on {@code io.spindle.queue.jobs}, {@code io.spindle.queue.spool} and the
 * generated {@code io.spindle.protocol.queue} classes; not on Netty.
 */
package io.spindle.queue.service;
