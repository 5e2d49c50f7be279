package io.spindle.cli;

import com.google.protobuf.ByteString;
import io.spindle.protocol.queue.FileInfo;
import io.spindle.protocol.queue.Reply;
import io.spindle.protocol.queue.Request;
import io.spindle.protocol.queue.Welcome;
import io.spindle.protocol.queue.WriteBegin;
import io.spindle.protocol.queue.WriteEnd;
import io.spindle.queue.client.QueueConnection;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeoutException;

/**
 * Writes a local file (or any {@link Content}) into the cluster through a queue server: small files
 * whole in one request, larger ones in chunks (each with its SHA-256), resending what the server
 * reports missing or corrupt; and, if the server dies, again through the next one with the same
 * request id (a server that kept the upload in its spool asks only for what it lacks). Returns once
 * the leader has committed the file.
 */
final class Uploader {
  private static final int MAX_ROUNDS = 10;

  private final ClusterClient cluster;
  private final PrintStream err;
  private final boolean progress;
  private final Duration commitTimeout;

  Uploader(ClusterClient cluster, PrintStream err, boolean progress, Duration commitTimeout) {
    this.cluster = cluster;
    this.err = err;
    this.progress = progress;
    this.commitTimeout = commitTimeout;
  }

  /**
   * What is written, read by position: once to hash it, then again for each chunk sent (and
   * resent), so it must give the same bytes every time. Used from the uploading thread only.
   */
  interface Content {
    long size();

    /** Fills {@code into[0..length)} with the bytes from {@code position}. */
    void read(long position, byte[] into, int length) throws IOException;

    /** For messages: "FILE" or what generates the bytes. */
    String describe();
  }

  /** A local file's content, read through one open channel. */
  static final class FileContent implements Content, AutoCloseable {
    private final Path file;
    private final FileChannel channel;
    private final long size;

    private FileContent(Path file, FileChannel channel, long size) {
      this.file = file;
      this.channel = channel;
      this.size = size;
    }

    static FileContent open(Path file) throws IOException {
      FileChannel ch = FileChannel.open(file, StandardOpenOption.READ);
      try {
        return new FileContent(file, ch, ch.size());
      } catch (IOException e) {
        ch.close();
        throw e;
      }
    }

    @Override
    public long size() {
      return size;
    }

    @Override
    public void read(long position, byte[] into, int length) throws IOException {
      ByteBuffer b = ByteBuffer.wrap(into, 0, length);
      long pos = position;
      while (b.hasRemaining()) {
        int n = channel.read(b, pos);
        if (n < 0) {
          throw new IOException("the file got shorter while it was being read");
        }
        pos += n;
      }
    }

    @Override
    public String describe() {
      return file.toString();
    }

    @Override
    public void close() throws IOException {
      channel.close();
    }
  }

  /** What is written, hashed once before it is sent. */
  record Plan(
      Content content,
      String name,
      long size,
      int chunkSize,
      byte[] sha256,
      List<byte[]> chunkHashes,
      byte[] inline) {
    int chunkCount() {
      return chunkHashes.size();
    }
  }

  FileInfo upload(Path file, String name) {
    try (FileContent content = FileContent.open(file)) {
      return upload(content, name);
    } catch (IOException e) {
      throw new CliException(ExitCode.OTHER, "cannot read " + file + ": " + e.getMessage());
    }
  }

  /** Writes {@code content} as {@code name}; returns once the leader has committed it. */
  FileInfo upload(Content content, String name) {
    String requestId = ClusterClient.newRequestId();
    Welcome welcome;
    try {
      welcome = cluster.connection().welcome();
    } catch (IOException e) {
      throw new CliException(ExitCode.UNAVAILABLE, "write " + name + " failed: " + e.getMessage());
    }
    Plan plan = plan(content, name, welcome);
    return cluster.retrying("write " + name, c -> attempt(c, plan, requestId).getWriteDone());
  }

  private Plan plan(Content content, String name, Welcome welcome) {
    try {
      long size = content.size();
      if (size <= welcome.getMaxInlineBytes()) {
        byte[] data = new byte[(int) size];
        content.read(0, data, data.length);
        return new Plan(content, name, size, 0, sha256(data, data.length), List.of(), data);
      }
      int chunkSize = welcome.getDefaultChunkSize();
      MessageDigest whole = newSha256();
      List<byte[]> hashes = new ArrayList<>();
      byte[] buffer = new byte[chunkSize];
      Progress p = Progress.start("hashing", size, err, progress);
      for (long off = 0; off < size; off += chunkSize) {
        int n = (int) Math.min(chunkSize, size - off);
        content.read(off, buffer, n);
        whole.update(buffer, 0, n);
        hashes.add(sha256(buffer, n));
        p.add(n);
      }
      p.finish();
      return new Plan(content, name, size, chunkSize, whole.digest(), hashes, null);
    } catch (IOException e) {
      throw new CliException(
          ExitCode.OTHER, "cannot read " + content.describe() + ": " + e.getMessage());
    }
  }

  /** One try on one connection; returns the WriteDone reply. */
  private Reply attempt(QueueConnection c, Plan plan, String requestId)
      throws IOException, TimeoutException {
    String what = "write " + plan.name();
    WriteBegin.Builder begin =
        WriteBegin.newBuilder()
            .setName(plan.name())
            .setSize(plan.size())
            .setSha256(ByteString.copyFrom(plan.sha256()));
    if (plan.inline() != null) {
      begin.setInlineData(ByteString.copyFrom(plan.inline()));
    } else {
      begin.setChunkSize(plan.chunkSize()).setChunkCount(plan.chunkCount());
    }
    Request request = Request.newBuilder().setRequestId(requestId).setWriteBegin(begin).build();
    try (QueueConnection.Replies replies = c.send(request)) {
      Reply r = ClusterClient.check(replies.next(cluster.timeout()), what);
      if (r.hasWriteDone()) {
        return r;
      }
      if (!r.hasWriteAccepted()) {
        throw unexpected(r);
      }
      String uploadId = r.getWriteAccepted().getUploadId();
      List<Integer> missing = r.getWriteAccepted().getMissingList();
      boolean queued = r.getWriteAccepted().getQueued();
      for (int round = 0; !queued; round++) {
        if (round == MAX_ROUNDS) {
          throw new CliException(
              ExitCode.OTHER,
              what
                  + " failed: the queue server still lacks chunks "
                  + missing
                  + " after "
                  + MAX_ROUNDS
                  + " rounds of resending");
        }
        sendChunks(c, plan, uploadId, missing);
        c.send(
            Request.newBuilder()
                .setRequestId(requestId)
                .setWriteEnd(WriteEnd.newBuilder().setUploadId(uploadId))
                .build());
        Reply end = replies.next(cluster.timeout());
        if (end.hasError()
            && end.getError().getCode() == io.spindle.protocol.queue.ErrorCode.UPLOAD_EXPIRED) {
          throw new ClusterClient.RetryException(end.getError().getMessage(), 0, false);
        }
        end = ClusterClient.check(end, what);
        if (end.hasWriteDone()) {
          return end;
        } else if (end.hasMissingChunks()) {
          missing = end.getMissingChunks().getMissingList();
        } else if (end.hasWriteQueued()) {
          queued = true;
        } else {
          throw unexpected(end);
        }
      }
      Reply done;
      do {
        done = ClusterClient.check(replies.next(commitTimeout), what);
      } while (done.hasWriteQueued() || done.hasWriteAccepted());
      if (!done.hasWriteDone()) {
        throw unexpected(done);
      }
      return done;
    }
  }

  private void sendChunks(QueueConnection c, Plan plan, String uploadId, List<Integer> indexes)
      throws IOException {
    if (indexes.isEmpty()) {
      return;
    }
    long total = 0;
    for (int i : indexes) {
      total += chunkLength(plan, i);
    }
    Progress p = Progress.start("upload ", total, err, progress);
    byte[] buffer = new byte[plan.chunkSize()];
    for (int i : indexes) {
      int n = chunkLength(plan, i);
      plan.content().read((long) i * plan.chunkSize(), buffer, n);
      byte[] sha = sha256(buffer, n);
      if (!Arrays.equals(sha, plan.chunkHashes().get(i))) {
        throw new CliException(
            ExitCode.OTHER,
            plan.content().describe() + " changed while it was being written; try again");
      }
      c.sendChunk(uploadId, i, sha, buffer, n);
      p.add(n);
    }
    p.finish();
  }

  private static int chunkLength(Plan plan, int index) {
    return (int) Math.min(plan.chunkSize(), plan.size() - (long) index * plan.chunkSize());
  }

  private static CliException unexpected(Reply r) {
    return new CliException(
        ExitCode.OTHER, "the queue server answered with " + r.getResultCase() + " unexpectedly");
  }

  static byte[] sha256(byte[] data, int length) {
    MessageDigest md = newSha256();
    md.update(data, 0, length);
    return md.digest();
  }

  static MessageDigest newSha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("this JVM has no SHA-256", e);
    }
  }
}
