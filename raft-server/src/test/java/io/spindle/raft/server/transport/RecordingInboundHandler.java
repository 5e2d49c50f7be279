package io.spindle.raft.server.transport;

import io.spindle.protocol.raft.ClientReply;
import io.spindle.protocol.raft.ClientRequest;
import io.spindle.raft.message.Message;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/** Records everything the transport delivers; client requests are kept with their reply. */
class RecordingInboundHandler implements InboundHandler {
  final List<Message> messages = new CopyOnWriteArrayList<>();
  final List<ClientRequest> requests = new CopyOnWriteArrayList<>();
  final List<Consumer<ClientReply>> replies = new CopyOnWriteArrayList<>();

  @Override
  public void onMessage(Message message) {
    messages.add(message);
  }

  @Override
  public void onClientRequest(ClientRequest request, Consumer<ClientReply> reply) {
    requests.add(request);
    replies.add(reply);
  }

  boolean nothingReceived() {
    return messages.isEmpty() && requests.isEmpty();
  }
}
