/**
 * The node's side of the queue server protocol ({@code queue.proto}): {@link
 * io.spindle.node.infrastructure.queue.QueueWorker} steals jobs and returns their results, {@link
 * io.spindle.node.infrastructure.queue.NodeJobs} does them against this node's file store.
 */
package io.spindle.node.infrastructure.queue;
