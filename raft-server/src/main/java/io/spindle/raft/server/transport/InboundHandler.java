package io.spindle.raft.server.transport;

import io.spindle.protocol.raft.ClientReply;
import io.spindle.protocol.raft.ClientRequest;
import io.spindle.raft.message.Message;
import java.util.function.Consumer;

/**
 * Receives what the {@link RaftTransport} reads: Raft messages from authenticated peers and
 * requests from authenticated clients.
 *
 * <p><b>Threading:</b> called on Netty event loops, possibly on several at once (one per
 * connection). <b>Blocking:</b> never: hand the work to the Raft driver's queue and return.
 * <b>Errors:</b> an exception thrown here is logged and the message dropped; the connection stays.
 */
public interface InboundHandler {
  /** Called on a Netty event loop with a message from an authenticated peer; must not block. */
  void onMessage(Message message);

  /**
   * A client request on the same port; reply exactly once, from any thread; must not block. The
   * transport stamps the request's id on the reply; a second reply throws {@link
   * IllegalStateException}.
   */
  void onClientRequest(ClientRequest request, Consumer<ClientReply> reply);
}
