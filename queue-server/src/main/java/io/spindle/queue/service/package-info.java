/**
 * The queue server's logic, independent of the transport: {@link
 * io.spindle.queue.service.QueueService} turns client requests into jobs and steals into leased
 * batches, and routes node results back. It is the entry point and owns the package-private
 * collaborators that do the work: {@code ClientRequests} checks a client's request and turns it
 * into a job; {@code ChunkedWrites} takes chunked uploads from WriteBegin to a queued write job;
 * {@code InFlightJobs} queues the jobs under way by request id; {@code JobHandout} hands jobs to
 * the nodes' steals, at once or when work comes; {@code NodeRequests} takes the nodes' steals,
 * renewals, chunk fetches and give-backs; {@code JobOutcomes} ends jobs (results, lost leases,
 * timeouts) and answers; {@code SubmittedTasks} keeps the tasks nodes share out; {@code
 * MembershipJobs} queues the JOIN and LEAVE jobs; {@code StatusViews} builds the status and the
 * cluster view; {@code AnswerRouter} routes replies to the waiting connections and caches final
 * answers for retries; {@code NodeDirectory} keeps what each node reported; {@link
 * io.spindle.queue.service.QueueServerDirectory} the queue servers of the cluster, configured and
 * reported by the nodes; {@code CountAnswers} and {@code DeadLetters} remember past count answers
 * and jobs given up on; {@link io.spindle.queue.service.Peer} is a connection as the service sees
 * one; {@link io.spindle.queue.service.ReportedCluster} is the cluster as the nodes report it, for
 * discovery.
 *
 * <p>Everything here but the public entry points of {@code QueueService} runs on its one core
 * thread. Depends on {@code io.spindle.queue.jobs}, {@code io.spindle.queue.spool}, the generated
 * {@code io.spindle.protocol.queue} classes and discovery's {@code HostPort} (the one host:port
 * syntax); not on Netty.
 */
package io.spindle.queue.service;
