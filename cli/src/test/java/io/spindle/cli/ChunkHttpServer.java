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
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A node's chunk endpoint, {@code GET /api/files/{name}?chunk={index}[&chunks={count}]&sha256=...},
 * and its plain {@code GET /api/files/{name}}, over a {@link FakeCluster}, in a JDK HttpServer; the
 * chunk endpoint can be told to misbehave.
 */
final class ChunkHttpServer implements AutoCloseable {
  enum Fault {
    NONE,
    SERVER_ERROR,
    CORRUPT,
    /** The response stops half a chunk in. */
    TRUNCATE,
    /** Half a chunk, then nothing, the connection open (a paused node), until the server closes. */
    STALL
  }

  private final HttpServer server;
  private final FakeCluster cluster;
  private final int chunkSize;
  private volatile Fault fault = Fault.NONE;
  private final CountDownLatch closing = new CountDownLatch(1);
  private final java.util.concurrent.atomic.AtomicInteger stalling =
      new java.util.concurrent.atomic.AtomicInteger();

  /** The chunks served, as "name#index" (a request for several adds each). */
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

  /** How many answers are stalled now ({@link Fault#STALL}), their connections open. */
  int stalling() {
    return stalling.get();
  }

  private void handle(HttpExchange ex) throws IOException {
    try (ex) {
      String raw = ex.getRequestURI().getRawPath().substring("/api/files/".length());
      String query = ex.getRequestURI().getRawQuery();
      String[] parts = raw.split("/", -1);
      StringBuilder name = new StringBuilder();
      for (int i = 0; i < parts.length; i++) {
        if (i > 0) {
          name.append('/');
        }
        name.append(URLDecoder.decode(parts[i], StandardCharsets.UTF_8));
      }
      if (query == null || !query.startsWith("chunk=")) {
        // The whole file, as a plain GET reads it.
        Optional<FakeCluster.StoredFile> whole = cluster.file(name.toString());
        send(ex, whole.isPresent() ? 200 : 404, whole.map(w -> w.data()).orElse(new byte[0]));
        return;
      }
      int index = Integer.parseInt(param(query, "chunk"));
      int count = param(query, "chunks") == null ? 1 : Integer.parseInt(param(query, "chunks"));
      if (fault == Fault.SERVER_ERROR) {
        send(ex, 500, "broken".getBytes(StandardCharsets.UTF_8));
        return;
      }
      Optional<FakeCluster.StoredFile> f = cluster.file(name.toString());
      long from = (long) index * chunkSize;
      long to = (long) (index + count) * chunkSize;
      if (f.isEmpty() || to - chunkSize >= Math.max(1, f.get().data().length)) {
        send(ex, 404, new byte[0]);
        return;
      }
      byte[] data = f.get().data();
      byte[] chunks = Arrays.copyOfRange(data, (int) from, (int) Math.min(data.length, to));
      for (int i = 0; i < count; i++) {
        if (fault == Fault.CORRUPT) {
          chunks[i * chunkSize] ^= 1;
        }
        served.add(name + "#" + (index + i));
      }
      if (fault == Fault.STALL && chunks.length > chunkSize / 2) {
        ex.sendResponseHeaders(200, chunks.length);
        OutputStream out = ex.getResponseBody();
        out.write(chunks, 0, chunkSize / 2);
        out.flush();
        stalling.incrementAndGet();
        try {
          closing.await(60, TimeUnit.SECONDS); // a bound, should close() never come
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        } finally {
          stalling.decrementAndGet();
        }
        return;
      }
      if (fault == Fault.TRUNCATE && chunks.length > chunkSize / 2) {
        // Says it sends every byte, sends half a chunk's worth and closes the connection.
        ex.sendResponseHeaders(200, chunks.length);
        OutputStream out = ex.getResponseBody();
        out.write(chunks, 0, chunkSize / 2);
        out.flush();
        ex.close();
        return;
      }
      send(ex, 200, chunks);
    }
  }

  private static String param(String query, String name) {
    for (String pair : query.split("&")) {
      if (pair.startsWith(name + "=")) {
        return pair.substring(name.length() + 1);
      }
    }
    return null;
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
    closing.countDown();
    server.stop(0);
  }
}
