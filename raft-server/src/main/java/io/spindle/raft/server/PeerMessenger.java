package io.spindle.raft.server;

import io.spindle.raft.Configuration;
import io.spindle.raft.message.Message;

/**
 * How a {@link RaftDriver} reaches its peers. Inbound messages go the other way, into {@link
 * RaftDriver#deliver}.
 *
 * <p><b>Threading:</b> called on the driver's thread only. <b>Blocking:</b> never; a message that
 * cannot be sent now (peer down, back-pressure) is dropped, which Raft tolerates by retrying.
 * <b>Errors:</b> none thrown; failures are logged by the implementation.
 */
public interface PeerMessenger {
  /** Sends one message to {@code message.to()}, or drops it. */
  void send(Message message);

  /**
   * The membership changed (or is known for the first time): reach every member of {@code
   * configuration} at its {@link io.spindle.raft.Member#address()} and forget the others.
   */
  void updatePeers(Configuration configuration);
}
