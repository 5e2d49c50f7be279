/**
 * The node's side of the queue server protocol ({@code queue.proto}): {@link
 * io.spindle.node.infrastructure.queue.QueueWorker} steals jobs and returns their results over a
 * {@link io.spindle.node.infrastructure.queue.QueueServerConnection}, {@link
 * io.spindle.node.infrastructure.queue.LocalJobRunner} does them against this node's file store
 * (counts in {@link io.spindle.node.infrastructure.queue.CountJobRunner}, pings in {@link
 * io.spindle.node.infrastructure.queue.PingJobRunner}, group membership against the node's {@code
 * GroupService} in {@link io.spindle.node.infrastructure.queue.GroupJobRunner}, a write's content
 * from {@link io.spindle.node.infrastructure.queue.FetchedUploadStream}, the node's status from
 * {@link io.spindle.node.infrastructure.queue.NodeStatusReporter}). A count's coordinator shares
 * its ranges out as tasks ({@link io.spindle.node.infrastructure.queue.QueueRangeCounter} over
 * {@link io.spindle.node.infrastructure.queue.TaskSubmitter}), mapped to and from their messages by
 * {@link io.spindle.node.infrastructure.queue.CountRangeMessages}; a count asked of this node
 * (REST, page) goes to the shared queue as a task too ({@link
 * io.spindle.node.infrastructure.queue.QueueFileCounter}), its answer mapped by {@link
 * io.spindle.node.infrastructure.queue.CountMessages}.
 */
package io.spindle.node.infrastructure.queue;
