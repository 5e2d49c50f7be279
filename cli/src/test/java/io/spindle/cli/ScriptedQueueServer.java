package io.spindle.cli;

import io.spindle.protocol.queue.QueueFrame;
import io.spindle.protocol.queue.QueueProtocol;
import io.spindle.protocol.queue.Reply;
import io.spindle.protocol.queue.Request;
import io.spindle.protocol.queue.Welcome;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

/**
 * A plain-text queue server on loopback that answers every request with what a script says: for the
 * client's side of requests whose answers only a whole federation gives (global pings, the route
 * table). It welcomes any client and records every request.
 */
final class ScriptedQueueServer implements AutoCloseable {
  final List<Request> received = new CopyOnWriteArrayList<>();
  private final ServerSocket listener;
  private final List<Socket> sockets = new CopyOnWriteArrayList<>();
  private volatile Function<Request, Reply.Builder> script;

  ScriptedQueueServer(Function<Request, Reply.Builder> script) throws IOException {
    this.script = script;
    listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread t = new Thread(this::acceptLoop, "scripted-queue-server");
    t.setDaemon(true);
    t.start();
  }

  String address() {
    return "127.0.0.1:" + listener.getLocalPort();
  }

  void script(Function<Request, Reply.Builder> script) {
    this.script = script;
  }

  private void acceptLoop() {
    while (!listener.isClosed()) {
      try {
        Socket s = listener.accept();
        sockets.add(s);
        Thread t = new Thread(() -> serve(s), "scripted-queue-connection");
        t.setDaemon(true);
        t.start();
      } catch (IOException e) {
        return;
      }
    }
  }

  private void serve(Socket s) {
    try (s) {
      InputStream in = new BufferedInputStream(s.getInputStream());
      OutputStream out = new BufferedOutputStream(s.getOutputStream());
      QueueFrame hello = QueueFrame.parseDelimitedFrom(in);
      if (hello == null || !hello.hasClientHello()) {
        return;
      }
      write(
          out,
          QueueFrame.newBuilder()
              .setClientWelcome(
                  Welcome.newBuilder()
                      .setProtocolVersion(QueueProtocol.VERSION)
                      .setServerId(address())
                      .setClusterId("home")
                      .setMaxFrameSize(16 << 20)
                      .setMaxInlineBytes(65536)
                      .setMaxChunkSize(16 << 20)
                      .setDefaultChunkSize(1 << 20)
                      .setMinChunkSize(64 << 10))
              .build());
      while (true) {
        QueueFrame f = QueueFrame.parseDelimitedFrom(in);
        if (f == null) {
          return;
        }
        if (!f.hasRequest()) {
          continue;
        }
        Request r = f.getRequest();
        received.add(r);
        Reply.Builder reply = script.apply(r);
        write(out, QueueFrame.newBuilder().setReply(reply.setRequestId(r.getRequestId())).build());
      }
    } catch (IOException e) {
      // the client went away
    }
  }

  private static void write(OutputStream out, QueueFrame f) throws IOException {
    f.writeDelimitedTo(out);
    out.flush();
  }

  @Override
  public void close() throws IOException {
    listener.close();
    for (Socket s : sockets) {
      s.close();
    }
  }
}
