package io.spindle.cli;

import io.spindle.protocol.queue.ChunkInfo;
import io.spindle.protocol.queue.Holder;
import io.spindle.protocol.queue.Read;
import io.spindle.protocol.queue.ReadResult;
import io.spindle.protocol.queue.Request;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Reads a file from the cluster: asks a queue server for its chunk list and holders, fetches the
 * chunks from several holders in parallel over HTTP ({@code GET
 * {httpUrl}/api/files/{name}?chunk={index}&sha256={file}}), verifies each chunk's SHA-256 and then
 * the whole file's, and tries another holder for a chunk when one fails or serves bad bytes. If a
 * holder says the file changed since the chunk list was read (409), the read starts over.
 *
 * <p>The file is assembled in a temporary file beside the target and renamed onto it, so the target
 * is either the old content or the whole new one.
 */
final class Downloader {
  private static final int MAX_READS = 3;

  private final ClusterClient cluster;
  private final HttpClient http;
  private final int parallelism;
  private final PrintStream err;
  private final boolean progress;

  /** The file read, and which holders served it. */
  record Result(ReadResult read, Set<String> servedBy) {}

  private static final class FileChangedException extends Exception {
    FileChangedException(String message) {
      super(message);
    }
  }

  Downloader(ClusterClient cluster, int parallelism, PrintStream err, boolean progress) {
    this.cluster = cluster;
    HttpClient.Builder client =
        HttpClient.newBuilder()
            .connectTimeout(Duration.ofSeconds(5))
            .followRedirects(HttpClient.Redirect.NORMAL);
    if (cluster.tls() != null) {
      client.sslContext(cluster.tls().sslContext()); // nodes on HTTPS: the cluster's CA
    }
    this.http = client.build();
    this.parallelism = parallelism;
    this.err = err;
    this.progress = progress;
  }

  /** Adds the client token, as the nodes' API asks for one. */
  private HttpRequest.Builder authorized(HttpRequest.Builder b) {
    String token = cluster.token();
    return token.isEmpty() ? b : b.header("Authorization", "Bearer " + token);
  }

  /** Reads {@code name} into {@code target} (replaced atomically). */
  Result readToFile(String name, boolean stale, Path target) {
    Path dir = target.toAbsolutePath().getParent();
    for (int attempt = 1; ; attempt++) {
      ReadResult read = readList(name, stale);
      Path temp;
      try {
        temp = Files.createTempFile(dir, "." + target.getFileName() + ".", ".part");
      } catch (IOException e) {
        throw new CliException(ExitCode.OTHER, "cannot write into " + dir + ": " + e.getMessage());
      }
      try {
        Set<String> servedBy = fetchAll(read, temp);
        Files.move(
            temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        return new Result(read, servedBy);
      } catch (FileChangedException e) {
        if (attempt == MAX_READS) {
          throw new CliException(
              ExitCode.OTHER,
              "read "
                  + name
                  + " failed: the file kept changing while it was read ("
                  + e.getMessage()
                  + ")");
        }
      } catch (IOException e) {
        throw new CliException(ExitCode.OTHER, "cannot write " + target + ": " + e.getMessage());
      } finally {
        try {
          Files.deleteIfExists(temp);
        } catch (IOException ignored) {
          // a leftover .part file at worst
        }
      }
    }
  }

  /** Reads {@code name} and copies it to {@code out} once whole and verified. */
  Result readToStream(String name, boolean stale, OutputStream out) {
    for (int attempt = 1; ; attempt++) {
      ReadResult read = readList(name, stale);
      Path temp = null;
      try {
        temp = Files.createTempFile("spindle-read-", ".part");
        Set<String> servedBy = fetchAll(read, temp);
        try (InputStream in = Files.newInputStream(temp)) {
          in.transferTo(out);
        }
        out.flush();
        return new Result(read, servedBy);
      } catch (FileChangedException e) {
        if (attempt == MAX_READS) {
          throw new CliException(
              ExitCode.OTHER, "read " + name + " failed: the file kept changing while it was read");
        }
      } catch (IOException e) {
        throw new CliException(ExitCode.OTHER, "read " + name + " failed: " + e.getMessage());
      } finally {
        if (temp != null) {
          try {
            Files.deleteIfExists(temp);
          } catch (IOException ignored) {
            // a leftover temporary file at worst
          }
        }
      }
    }
  }

  private ReadResult readList(String name, boolean stale) {
    return cluster
        .call(
            Request.newBuilder()
                .setRequestId(ClusterClient.newRequestId())
                .setRead(Read.newBuilder().setName(name).setStale(stale))
                .build(),
            "read " + name)
        .getRead();
  }

  private Set<String> fetchAll(ReadResult read, Path temp)
      throws IOException, FileChangedException {
    String name = read.getFile().getName();
    if (read.getChunksCount() > 0 && read.getHoldersCount() == 0) {
      throw new CliException(
          ExitCode.UNAVAILABLE, "read " + name + " failed: the cluster named no node holding it");
    }
    long[] offsets = new long[read.getChunksCount()];
    long total = 0;
    for (int i = 0; i < read.getChunksCount(); i++) {
      offsets[i] = total;
      total += read.getChunks(i).getSize();
    }
    if (total != read.getFile().getSize()) {
      throw new CliException(
          ExitCode.OTHER,
          "read " + name + " failed: the chunk sizes add up to " + total + ", not the file size");
    }
    Set<String> servedBy = ConcurrentHashMap.newKeySet();
    Progress p = Progress.start("read   ", total, err, progress);
    ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, parallelism), daemonThreads());
    try (FileChannel out =
        FileChannel.open(temp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
      List<Future<String>> futures = new ArrayList<>();
      for (int i = 0; i < read.getChunksCount(); i++) {
        ChunkInfo chunk = read.getChunks(i);
        long offset = offsets[i];
        futures.add(pool.submit(() -> fetchChunk(read, chunk, offset, out, p)));
      }
      for (Future<String> f : futures) {
        try {
          servedBy.add(f.get());
        } catch (ExecutionException e) {
          Throwable cause = e.getCause();
          if (cause instanceof FileChangedException fc) {
            throw fc;
          }
          if (cause instanceof CliException ce) {
            throw ce;
          }
          throw new IOException(cause.getMessage(), cause);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IOException("interrupted", e);
        }
      }
      out.force(false);
    } finally {
      pool.shutdownNow();
    }
    p.finish();
    byte[] actual = sha256(temp);
    if (!Arrays.equals(actual, read.getFile().getSha256().toByteArray())) {
      throw new CliException(
          ExitCode.OTHER,
          "read "
              + name
              + " failed: the chunks assemble to SHA-256 "
              + Bytes.hex(actual)
              + ", not the file's "
              + Bytes.hex(read.getFile().getSha256().toByteArray()));
    }
    return servedBy;
  }

  /** Fetches one chunk from the first holder that serves it whole; returns that holder's id. */
  private String fetchChunk(
      ReadResult read, ChunkInfo chunk, long offset, FileChannel out, Progress p)
      throws IOException, FileChangedException {
    String name = read.getFile().getName();
    List<String> problems = new ArrayList<>();
    int holders = read.getHoldersCount();
    for (int k = 0; k < holders; k++) {
      // Spread the chunks over the holders; on failure, move on to the next one.
      Holder h = read.getHolders((chunk.getIndex() + k) % holders);
      URI uri =
          chunkUri(
              h.getHttpUrl(),
              name,
              chunk.getIndex(),
              Bytes.hex(read.getFile().getSha256().toByteArray()));
      HttpResponse<byte[]> response;
      try {
        response =
            http.send(
                authorized(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(60)))
                    .GET()
                    .build(),
                HttpResponse.BodyHandlers.ofByteArray());
      } catch (IOException e) {
        problems.add(h.getNodeId() + ": " + e.getClass().getSimpleName() + " " + e.getMessage());
        continue;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted", e);
      }
      int status = response.statusCode();
      if (status == 409) {
        throw new FileChangedException(h.getNodeId() + " says " + name + " changed");
      }
      if (status != 200) {
        problems.add(h.getNodeId() + ": HTTP " + status);
        continue;
      }
      byte[] body = response.body();
      if (body.length != chunk.getSize()
          || !Arrays.equals(Uploader.sha256(body, body.length), chunk.getSha256().toByteArray())) {
        problems.add(h.getNodeId() + ": chunk " + chunk.getIndex() + " failed its SHA-256 check");
        continue;
      }
      ByteBuffer b = ByteBuffer.wrap(body);
      long pos = offset;
      while (b.hasRemaining()) {
        pos += out.write(b, pos);
      }
      p.add(body.length);
      return h.getNodeId();
    }
    boolean corrupt = problems.stream().anyMatch(s -> s.contains("SHA-256"));
    throw new CliException(
        corrupt ? ExitCode.OTHER : ExitCode.UNAVAILABLE,
        "read "
            + name
            + " failed: no holder served chunk "
            + chunk.getIndex()
            + " ("
            + String.join("; ", problems)
            + ")");
  }

  /**
   * {@code {base}/api/files/{each segment percent-encoded}?chunk={index}&sha256={file's SHA-256}}:
   * the node answers 409 if its copy of the file is no longer that content.
   */
  static URI chunkUri(String base, String name, int index, String fileSha256) {
    StringBuilder path =
        new StringBuilder(base.endsWith("/") ? base.substring(0, base.length() - 1) : base);
    path.append("/api/files");
    for (String segment : name.split("/", -1)) {
      path.append('/').append(encodeSegment(segment));
    }
    path.append("?chunk=").append(index).append("&sha256=").append(fileSha256);
    return URI.create(path.toString());
  }

  /** Percent-encodes everything but RFC 3986's unreserved characters, as UTF-8. */
  static String encodeSegment(String segment) {
    StringBuilder b = new StringBuilder();
    for (byte x : segment.getBytes(StandardCharsets.UTF_8)) {
      int c = x & 0xFF;
      if ((c >= 'A' && c <= 'Z')
          || (c >= 'a' && c <= 'z')
          || (c >= '0' && c <= '9')
          || c == '-'
          || c == '.'
          || c == '_'
          || c == '~') {
        b.append((char) c);
      } else {
        b.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)));
        b.append(Character.toUpperCase(Character.forDigit(c & 0xF, 16)));
      }
    }
    return b.toString();
  }

  private static byte[] sha256(Path file) throws IOException {
    MessageDigest md = Uploader.newSha256();
    byte[] buffer = new byte[1 << 16];
    try (InputStream in = Files.newInputStream(file)) {
      int n;
      while ((n = in.read(buffer)) > 0) {
        md.update(buffer, 0, n);
      }
    }
    return md.digest();
  }

  private static java.util.concurrent.ThreadFactory daemonThreads() {
    return r -> {
      Thread t = new Thread(r, "spindle-fetch");
      t.setDaemon(true);
      return t;
    };
  }
}
