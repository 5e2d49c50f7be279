/**
 * The node's adapters over the Raft server runtime ({@code io.spindle.raft.server}): {@link
 * io.spindle.node.infrastructure.raft.RaftCommandLog}, the application's command log as Raft
 * proposals and ReadIndex barriers.
 *
 * <p>Depends on {@code raft-server} and the application's ports; the application never sees the
 * driver.
 */
package io.spindle.node.infrastructure.raft;
