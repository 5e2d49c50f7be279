/**
 * The queue server's logic, independent of the transport: {@link
 * io.spindle.queue.service.QueueService} turns client requests into jobs, chunked uploads into
 * spooled files, steals into leased batches and node results into answers; {@link
 * io.spindle.queue.service.Peer} is a connection as it sees one; {@link
 * io.spindle.queue.service.ClusterView} is the cluster as the nodes report it, for discovery.
 *
 * <p>Depends on {@code io.spindle.queue.jobs}, {@code io.spindle.queue.spool} and the generated
 * {@code io.spindle.protocol.queue} classes; not on Netty.
 */
package io.spindle.queue.service;
