package io.spindle.queue.testing;

import com.google.protobuf.ByteString;
import io.spindle.protocol.queue.ChunkInfo;
import io.spindle.protocol.queue.CountResult;
import io.spindle.protocol.queue.DeleteResult;
import io.spindle.protocol.queue.ErrorCode;
import io.spindle.protocol.queue.FileInfo;
import io.spindle.protocol.queue.Holder;
import io.spindle.protocol.queue.JobResult;
import io.spindle.protocol.queue.ListResult;
import io.spindle.protocol.queue.Member;
import io.spindle.protocol.queue.QueueError;
import io.spindle.protocol.queue.ReadResult;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * What the test nodes share in place of a Raft-replicated state machine: the stored files, and the
 * applied request ids with their first result, so that a job done twice (a redone lease) has one
 * effect, as the real state machine guarantees. Thread-safe.
 */
public final class FakeCluster {
  /** A stored file. */
  public record StoredFile(String name, byte[] data, long commitIndex, long storedAtMillis) {}

  private final Map<String, StoredFile> files = new TreeMap<>();
  private final Map<String, JobResult> applied = new HashMap<>();
  private final Map<String, Integer> effects = new HashMap<>();
  private final Map<String, String> httpUrls = new LinkedHashMap<>();
  private final FakeGroups groups = new FakeGroups();
  private int readChunkSize = 1024 * 1024;
  private long commitIndex;

  /** The group membership the test nodes share. */
  public FakeGroups groups() {
    return groups;
  }

  public synchronized void addMember(String nodeId, String httpUrl) {
    httpUrls.put(nodeId, httpUrl);
  }

  public synchronized List<Member> members() {
    List<Member> out = new ArrayList<>();
    int port = 7000;
    for (Map.Entry<String, String> e : httpUrls.entrySet()) {
      out.add(
          Member.newBuilder()
              .setNodeId(e.getKey())
              .setRaftAddress("127.0.0.1:" + port++)
              .setHttpUrl(e.getValue())
              .setVoter(true)
              .build());
    }
    return out;
  }

  public synchronized String httpUrl(String nodeId) {
    return httpUrls.getOrDefault(nodeId, "");
  }

  /** The chunk size read results describe files with. */
  public synchronized void setReadChunkSize(int size) {
    readChunkSize = size;
  }

  public synchronized long commitIndex() {
    return commitIndex;
  }

  /** Stores a file once per request id; a repeat returns the first result. */
  public synchronized JobResult write(String requestId, String name, byte[] data) {
    JobResult first = applied.get(requestId);
    if (first != null) {
      return first;
    }
    JobResult result;
    String problem = nameProblem(name);
    if (problem != null) {
      result = error(ErrorCode.INVALID_ARGUMENT, problem);
    } else {
      commitIndex++;
      StoredFile f = new StoredFile(name, data.clone(), commitIndex, 1_700_000_000_000L);
      files.put(name, f);
      effects.merge(requestId, 1, Integer::sum);
      result = JobResult.newBuilder().setWritten(info(f)).build();
    }
    applied.put(requestId, result);
    return result;
  }

  public synchronized JobResult delete(String requestId, String name) {
    JobResult first = applied.get(requestId);
    if (first != null) {
      return first;
    }
    JobResult result;
    if (files.remove(name) == null) {
      result = error(ErrorCode.NOT_FOUND, "no file named " + name);
    } else {
      commitIndex++;
      effects.merge(requestId, 1, Integer::sum);
      result =
          JobResult.newBuilder()
              .setDeleted(DeleteResult.newBuilder().setName(name).setCommitIndex(commitIndex))
              .build();
    }
    applied.put(requestId, result);
    return result;
  }

  public synchronized JobResult read(String name, String answeringNode) {
    StoredFile f = files.get(name);
    if (f == null) {
      return error(ErrorCode.NOT_FOUND, "no file named " + name);
    }
    ReadResult.Builder r = ReadResult.newBuilder().setFile(info(f));
    for (int i = 0, off = 0; off < f.data().length; i++, off += readChunkSize) {
      int n = Math.min(readChunkSize, f.data().length - off);
      r.addChunks(
          ChunkInfo.newBuilder()
              .setIndex(i)
              .setSize(n)
              .setSha256(ByteString.copyFrom(sha256(Arrays.copyOfRange(f.data(), off, off + n)))));
    }
    String own = httpUrls.get(answeringNode);
    if (own != null) {
      r.addHolders(Holder.newBuilder().setNodeId(answeringNode).setHttpUrl(own));
    }
    httpUrls.forEach(
        (id, url) -> {
          if (!id.equals(answeringNode)) {
            r.addHolders(Holder.newBuilder().setNodeId(id).setHttpUrl(url));
          }
        });
    return JobResult.newBuilder().setRead(r).build();
  }

  public synchronized JobResult list(String prefix) {
    ListResult.Builder l = ListResult.newBuilder();
    for (StoredFile f : files.values()) {
      if (f.name().startsWith(prefix)) {
        l.addFiles(info(f));
      }
    }
    return JobResult.newBuilder().setList(l).build();
  }

  /** Counts as {@code LC_ALL=C wc} does, for ASCII content. */
  public synchronized JobResult count(String name) {
    StoredFile f = files.get(name);
    if (f == null) {
      return error(ErrorCode.NOT_FOUND, "no file named " + name);
    }
    String text = new String(f.data(), StandardCharsets.ISO_8859_1);
    long lines = text.chars().filter(c -> c == '\n').count();
    long words =
        Arrays.stream(text.split("[ \\t\\n\\r\\f\\u000b]+")).filter(w -> !w.isEmpty()).count();
    return JobResult.newBuilder()
        .setCount(
            CountResult.newBuilder()
                .setName(name)
                .setLines(lines)
                .setWords(words)
                .setBytes(f.data().length)
                .setChars(f.data().length)
                .setSha256(ByteString.copyFrom(sha256(f.data()))))
        .build();
  }

  public synchronized Optional<StoredFile> file(String name) {
    return Optional.ofNullable(files.get(name));
  }

  /** How many times the effect of {@code requestId} was applied: 1 however often it was tried. */
  public synchronized int effects(String requestId) {
    return effects.getOrDefault(requestId, 0);
  }

  private static FileInfo info(StoredFile f) {
    return FileInfo.newBuilder()
        .setName(f.name())
        .setSize(f.data().length)
        .setSha256(ByteString.copyFrom(sha256(f.data())))
        .setChunkCount(Math.max(1, (f.data().length + (1 << 20) - 1) >> 20))
        .setStoredAtMillis(f.storedAtMillis())
        .setCommitIndex(f.commitIndex())
        .build();
  }

  private static JobResult error(ErrorCode code, String message) {
    return JobResult.newBuilder()
        .setError(QueueError.newBuilder().setCode(code).setMessage(message))
        .build();
  }

  /** A few of the node's FileName rules, enough to see a node's error reach the client. */
  private static String nameProblem(String name) {
    if (name.startsWith("/")) {
      return "a file name must not start with '/'";
    }
    for (String segment : name.split("/", -1)) {
      if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
        return "a file name must not contain an empty, '.' or '..' segment";
      }
    }
    return null;
  }

  public static byte[] sha256(byte[] data) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(data);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
