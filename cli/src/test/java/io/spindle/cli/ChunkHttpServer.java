package io.spindle.cli;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.spindle.queue.testing.FakeCluster;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A node's chunk endpoint, {@code GET /api/files/{name}?chunk={index}&sha256=...}, over a {@link
 * FakeCluster}, in a JDK HttpServer; it can be told to misbehave.
 */
final class ChunkHttpServer implements AutoCloseable {
  enum Fault {
    NONE,
    SERVER_ERROR,
    CORRUPT
  }

  private final HttpServer server;
  private final FakeCluster cluster;
  private final int chunkSize;
  private volatile Fault fault = Fault.NONE;

  /** The chunk requests served, as "name#index". */
  final List<String> served = new CopyOnWriteArrayList<>();

  ChunkHttpServer(FakeCluster cluster, int chunkSize) throws IOException {
    this.cluster = cluster;
    this.chunkSize = chunkSize;
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/api/files/", this::handle);
    server.start();
  }

  String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  void fault(Fault f) {
    fault = f;
  }

  private void handle(HttpExchange ex) throws IOException {
    try (ex) {
      String raw = ex.getRequestURI().getRawPath().substring("/api/files/".length());
      String query = ex.getRequestURI().getRawQuery();
      if (query == null || !query.startsWith("chunk=")) {
        send(ex, 404, new byte[0]);
        return;
      }
      String[] parts = raw.split("/", -1);
      StringBuilder name = new StringBuilder();
      for (int i = 0; i < parts.length; i++) {
        if (i > 0) {
          name.append('/');
        }
        name.append(URLDecoder.decode(parts[i], StandardCharsets.UTF_8));
      }
      int index = Integer.parseInt(query.substring("chunk=".length()).split("&")[0]);
      if (fault == Fault.SERVER_ERROR) {
        send(ex, 500, "broken".getBytes(StandardCharsets.UTF_8));
        return;
      }
      Optional<FakeCluster.StoredFile> f = cluster.file(name.toString());
      long from = (long) index * chunkSize;
      if (f.isEmpty() || from >= f.get().data().length) {
        send(ex, 404, new byte[0]);
        return;
      }
      byte[] data = f.get().data();
      byte[] chunk =
          Arrays.copyOfRange(data, (int) from, (int) Math.min(data.length, from + chunkSize));
      if (fault == Fault.CORRUPT) {
        chunk[0] ^= 1;
      }
      served.add(name + "#" + index);
      send(ex, 200, chunk);
    }
  }

  private static void send(HttpExchange ex, int status, byte[] body) throws IOException {
    ex.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
    if (body.length > 0) {
      try (OutputStream out = ex.getResponseBody()) {
        out.write(body);
      }
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
