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
import java.net.HttpURLConnection;
import java.net.SocketTimeoutException;
import java.net.URI;
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
import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.SSLSocketFactory;

/**
 * Reads a file from the cluster: asks a queue server for its chunk list and holders, then reads the
 * chunks in a few long streams, one per holder (at most {@code --parallel}), each a contiguous run
 * of chunks in one request ({@code GET
 * {httpUrl}/api/files/{name}?chunk={first}&chunks={count}&sha256={file}}). Each chunk's SHA-256 is
 * checked as it arrives, and the whole file's is taken in order while the streams still run. When a
 * holder fails, serves bad bytes, or sends nothing for the stall timeout (a paused or cut-off node
 * whose connection stays open), the rest of its run is asked of the next holder. If a holder says
 * the file changed since the chunk list was read (409), the read starts over.
 *
 * <p>The file is assembled in a temporary file beside the target and renamed onto it, so the target
 * is either the old content or the whole new one (not synced to disk: see {@link #fetchAll}).
 */
final class Downloader {
  private static final int MAX_READS = 3;

  private static final int CONNECT_TIMEOUT_MILLIS = 5_000;

  /** How long a holder may send nothing in the middle of a run, unless told otherwise. */
  static final Duration DEFAULT_STALL_TIMEOUT = Duration.ofSeconds(15);

  private final ClusterClient cluster;
  private final SSLSocketFactory tlsSockets;
  private final int parallelism;
  private final Duration stallTimeout;
  private final PrintStream err;
  private final boolean progress;
  private final RateLimit limit; // null: as fast as the holders send

  /** The file read, and which holders served it. */
  record Result(ReadResult read, Set<String> servedBy) {}

  private static final class FileChangedException extends Exception {
    FileChangedException(String message) {
      super(message);
    }
  }

  Downloader(ClusterClient cluster, int parallelism, PrintStream err, boolean progress) {
    this(cluster, parallelism, DEFAULT_STALL_TIMEOUT, null, err, progress);
  }

  /** {@code limit}: a cap on the bytes per second of every stream together, or null for none. */
  Downloader(
      ClusterClient cluster,
      int parallelism,
      Duration stallTimeout,
      RateLimit limit,
      PrintStream err,
      boolean progress) {
    this.cluster = cluster;
    this.limit = limit;
    this.stallTimeout = stallTimeout;
    // Nodes on HTTPS: the cluster's CA.
    this.tlsSockets = cluster.tls() == null ? null : cluster.tls().sslContext().getSocketFactory();
    this.parallelism = parallelism;
    this.err = err;
    this.progress = progress;
  }

  /**
   * A GET of {@code uri} with the client token, not yet sent, on the JDK's {@link
   * HttpURLConnection}: it reads the socket straight into the caller's buffer (java.net.http's
   * client copied every few KiB into a newly allocated buffer, and read a 1 GiB file at a tenth of
   * what the nodes sent). Any one read that waits {@link #stallTimeout} for a byte, the answer's
   * headers included, fails with a {@link SocketTimeoutException}.
   */
  private HttpURLConnection get(URI uri) throws IOException {
    HttpURLConnection c = (HttpURLConnection) uri.toURL().openConnection();
    if (tlsSockets != null && c instanceof HttpsURLConnection https) {
      https.setSSLSocketFactory(tlsSockets);
    }
    c.setConnectTimeout(CONNECT_TIMEOUT_MILLIS);
    c.setReadTimeout((int) Math.min(Integer.MAX_VALUE, stallTimeout.toMillis()));
    c.setUseCaches(false);
    String token = cluster.token();
    if (!token.isEmpty()) {
      c.setRequestProperty("Authorization", "Bearer " + token);
    }
    return c;
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

  /**
   * The plain read {@code bench queue} compares with: the whole file in one linearizable {@code GET
   * {httpUrl}/api/files/{name}} from the first node holding it, straight into {@code target}, with
   * nothing verified. Returns the bytes received.
   */
  long singleGet(String name, Path target) {
    ReadResult read = readList(name, false);
    if (read.getHoldersCount() == 0) {
      throw new CliException(
          ExitCode.UNAVAILABLE, "read " + name + " failed: the cluster named no node holding it");
    }
    Holder h = read.getHolders(0);
    HttpURLConnection c = null;
    try {
      c = get(URI.create(filePath(h.getHttpUrl(), name)));
      int status = c.getResponseCode();
      if (status != 200) {
        throw new CliException(
            ExitCode.OTHER, "GET " + name + " from " + h.getNodeId() + " failed: HTTP " + status);
      }
      try (InputStream body = c.getInputStream()) {
        return Files.copy(body, target, StandardCopyOption.REPLACE_EXISTING);
      }
    } catch (IOException e) {
      throw new CliException(
          ExitCode.UNAVAILABLE,
          "GET " + name + " from " + h.getNodeId() + " failed: " + e.getMessage());
    } finally {
      if (c != null) {
        c.disconnect();
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
    int streams = streams(read.getChunksCount(), read.getHoldersCount(), parallelism);
    ExecutorService pool = Executors.newFixedThreadPool(streams + 1, daemonThreads());
    byte[] actual;
    try (FileChannel out =
        FileChannel.open(
            temp,
            StandardOpenOption.READ,
            StandardOpenOption.WRITE,
            StandardOpenOption.TRUNCATE_EXISTING)) {
      OrderedDigest digest = new OrderedDigest(out, offsets, read);
      Future<byte[]> digesting = pool.submit(digest::run);
      List<Future<?>> futures = new ArrayList<>();
      int chunks = read.getChunksCount();
      for (int s = 0; s < streams; s++) {
        int first = (int) ((long) chunks * s / streams);
        int end = (int) ((long) chunks * (s + 1) / streams);
        int stream = s;
        futures.add(
            pool.submit(
                () -> {
                  fetchRun(read, first, end, stream, offsets, out, digest, p, servedBy);
                  return null;
                }));
      }
      try {
        for (Future<?> f : futures) {
          await(f);
        }
        actual = await(digesting);
      } finally {
        digest.stop();
      }
      // Not forced to disk: the rename makes the target the old content or the whole new one for
      // anything short of a power cut, and a download can be read again. Forcing a 1 GiB file
      // took as long as fetching it.
    } finally {
      pool.shutdownNow();
    }
    p.finish();
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

  /**
   * How many streams read a file at once: one per holder up to {@code parallelism}, and no more
   * than it has chunks. A stream is one long request, so a few of them keep the network and the
   * holders busy; more than one per holder only adds requests.
   */
  static int streams(int chunks, int holders, int parallelism) {
    return Math.max(1, Math.min(Math.min(chunks, holders), parallelism));
  }

  private static <T> T await(Future<T> f) throws IOException, FileChangedException {
    try {
      return f.get();
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof FileChangedException fc) {
        throw fc;
      }
      if (cause instanceof CliException ce) {
        throw ce;
      }
      if (cause instanceof IOException io) {
        throw io;
      }
      throw new IOException(cause.getMessage(), cause);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
  }

  /**
   * Fetches chunks {@code first} to {@code end - 1} in one streamed request ({@code
   * ?chunk=first&chunks=n}), starting with holder {@code stream}. Each chunk is checked against its
   * SHA-256 as it arrives and written in place; when a holder fails, answers wrongly or serves a
   * damaged chunk, the rest of the run is asked of the next holder. The run fails when every holder
   * has failed on the same chunk.
   */
  private void fetchRun(
      ReadResult read,
      int first,
      int end,
      int stream,
      long[] offsets,
      FileChannel out,
      OrderedDigest digest,
      Progress p,
      Set<String> servedBy)
      throws IOException, FileChangedException {
    String name = read.getFile().getName();
    String fileSha = Bytes.hex(read.getFile().getSha256().toByteArray());
    int holders = read.getHoldersCount();
    byte[] buffer = new byte[maxChunkSize(read, first, end)];
    MessageDigest sha = Uploader.newSha256();
    List<String> problems = new ArrayList<>();
    int next = first;
    int holder = stream;
    while (next < end) {
      if (problems.size() >= holders) {
        boolean corrupt = problems.stream().anyMatch(s -> s.contains("SHA-256"));
        throw new CliException(
            corrupt ? ExitCode.OTHER : ExitCode.UNAVAILABLE,
            "read "
                + name
                + " failed: no holder served chunk "
                + next
                + " ("
                + String.join("; ", problems)
                + ")");
      }
      Holder h = read.getHolders(holder % holders);
      holder++;
      URI uri = chunksUri(h.getHttpUrl(), name, next, end - next, fileSha);
      HttpURLConnection c = get(uri);
      boolean whole = false;
      try {
        int status = c.getResponseCode();
        if (status == 409) {
          throw new FileChangedException(h.getNodeId() + " says " + name + " changed");
        }
        if (status != 200) {
          problems.add(h.getNodeId() + ": HTTP " + status);
          continue;
        }
        InputStream body = c.getInputStream();
        while (next < end) {
          ChunkInfo chunk = read.getChunks(next);
          int size = chunk.getSize();
          if (limit != null) {
            limit.take(size);
          }
          int n = body.readNBytes(buffer, 0, size);
          if (n != size) {
            problems.add(
                h.getNodeId() + ": the response ended in chunk " + next + " (" + n + " bytes)");
            break;
          }
          sha.update(buffer, 0, size);
          if (!MessageDigest.isEqual(sha.digest(), chunk.getSha256().toByteArray())) {
            problems.add(h.getNodeId() + ": chunk " + next + " failed its SHA-256 check");
            break;
          }
          ByteBuffer b = ByteBuffer.wrap(buffer, 0, size);
          long pos = offsets[next];
          while (b.hasRemaining()) {
            pos += out.write(b, pos);
          }
          digest.written(next);
          p.add(size);
          servedBy.add(h.getNodeId());
          next++;
          problems.clear(); // this holder served a chunk: every holder may be tried again
        }
        if (next == end) {
          body.close(); // read to its end: the connection may serve another request
          whole = true;
        }
      } catch (SocketTimeoutException e) {
        problems.add(h.getNodeId() + ": sent nothing for " + stallTimeout.toMillis() + " ms");
      } catch (IOException e) {
        problems.add(h.getNodeId() + ": " + e.getClass().getSimpleName() + " " + e.getMessage());
      } finally {
        if (!whole) {
          c.disconnect(); // a failed or stalled answer: its connection is not used again
        }
      }
    }
  }

  private static int maxChunkSize(ReadResult read, int first, int end) {
    int max = 0;
    for (int i = first; i < end; i++) {
      max = Math.max(max, read.getChunks(i).getSize());
    }
    return max;
  }

  /**
   * The whole file's SHA-256, taken in chunk order while the streams are still writing: each chunk
   * is read back (from the page cache) once it is written and verified, so the file's digest is
   * ready when its last chunk is, not one more pass over the file later.
   */
  private static final class OrderedDigest {
    private final FileChannel file;
    private final long[] offsets;
    private final ReadResult read;
    private final boolean[] written;
    private int next;
    private boolean stopped;

    OrderedDigest(FileChannel file, long[] offsets, ReadResult read) {
      this.file = file;
      this.offsets = offsets;
      this.read = read;
      this.written = new boolean[offsets.length];
    }

    synchronized void written(int chunk) {
      written[chunk] = true;
      if (chunk == next) {
        notifyAll();
      }
    }

    /** Ends {@link #run} early (a stream failed). */
    synchronized void stop() {
      stopped = true;
      notifyAll();
    }

    byte[] run() throws IOException, InterruptedException {
      MessageDigest sha = Uploader.newSha256();
      ByteBuffer buffer = ByteBuffer.allocate(1 << 20);
      for (int i = 0; i < offsets.length; i++) {
        synchronized (this) {
          next = i;
          while (!written[i] && !stopped) {
            wait();
          }
          if (stopped) {
            throw new IOException("the read stopped");
          }
        }
        long pos = offsets[i];
        long end = pos + read.getChunks(i).getSize();
        while (pos < end) {
          buffer.clear();
          buffer.limit((int) Math.min(buffer.capacity(), end - pos));
          int n = file.read(buffer, pos);
          if (n < 0) {
            throw new IOException("the temporary file ended at " + pos);
          }
          buffer.flip();
          sha.update(buffer);
          pos += n;
        }
      }
      return sha.digest();
    }
  }

  /**
   * {@code {base}/api/files/{name}?chunk={first}&chunks={count}&sha256={file's SHA-256}}: chunks
   * {@code first} to {@code first + count - 1} in one response.
   */
  static URI chunksUri(String base, String name, int first, int count, String fileSha256) {
    return URI.create(chunkUri(base, name, first, fileSha256) + "&chunks=" + count);
  }

  /**
   * {@code {base}/api/files/{each segment percent-encoded}?chunk={index}&sha256={file's SHA-256}}:
   * the node answers 409 if its copy of the file is no longer that content.
   */
  static URI chunkUri(String base, String name, int index, String fileSha256) {
    return URI.create(filePath(base, name) + "?chunk=" + index + "&sha256=" + fileSha256);
  }

  /** {@code {base}/api/files/{each segment of name percent-encoded}}. */
  private static String filePath(String base, String name) {
    StringBuilder path =
        new StringBuilder(base.endsWith("/") ? base.substring(0, base.length() - 1) : base);
    path.append("/api/files");
    for (String segment : name.split("/", -1)) {
      path.append('/').append(encodeSegment(segment));
    }
    return path.toString();
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

  private static java.util.concurrent.ThreadFactory daemonThreads() {
    return r -> {
      Thread t = new Thread(r, "spindle-fetch");
      t.setDaemon(true);
      return t;
    };
  }
}
