package io.spindle.queue.service;

import static io.spindle.queue.service.ReplyFrames.errorReply;
import static io.spindle.queue.service.ReplyFrames.frame;

import com.google.protobuf.ByteString;
import io.spindle.protocol.queue.QueueFrame;
import io.spindle.protocol.queue.Reply;
import io.spindle.queue.jobs.ResultCache;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Result routing: which client connections wait for which request id, and the final answers kept
 * for retries. A request's final answer goes to every connection waiting for it (the first try and
 * any retry that attached to it), once; a connection that closes waits for nothing any more.
 *
 * <p>Not thread-safe: the queue service's core thread owns it.
 */
final class AnswerRouter {
  /** A cached final answer, and what the request looked like (to spot a reused request id). */
  record Answer(ByteString fingerprint, Reply reply) {}

  private final ResultCache<Answer> cache;
  private final Map<String, Set<Peer>> waiters = new HashMap<>();
  private final Map<Long, Set<String>> waitingOn = new HashMap<>();

  AnswerRouter(ResultCache<Answer> cache) {
    this.cache = cache;
  }

  void addWaiter(String rid, Peer client) {
    waiters.computeIfAbsent(rid, k -> new LinkedHashSet<>()).add(client);
    waitingOn.computeIfAbsent(client.id(), k -> new LinkedHashSet<>()).add(rid);
  }

  /** Whether {@code client} waits for {@code rid} already (a retry on the same connection). */
  boolean isWaiting(String rid, Peer client) {
    Set<String> on = waitingOn.get(client.id());
    return on != null && on.contains(rid);
  }

  /** What a cached answer costs the heap, roughly: its bytes plus the entry's overhead. */
  static long weight(String rid, Answer answer) {
    return 2L * rid.length()
        + answer.fingerprint().size()
        + answer.reply().getSerializedSize()
        + 200;
  }

  /** How many request ids {@code client} waits for. */
  int waitingCount(Peer client) {
    Set<String> on = waitingOn.get(client.id());
    return on == null ? 0 : on.size();
  }

  /** The connection closed: it waits for nothing any more. */
  void forget(Peer client) {
    Set<String> on = waitingOn.remove(client.id());
    if (on == null) {
      return;
    }
    for (String rid : on) {
      Set<Peer> ws = waiters.get(rid);
      if (ws != null) {
        ws.remove(client);
        if (ws.isEmpty()) {
          waiters.remove(rid);
        }
      }
    }
  }

  /**
   * Sends the final answer of {@code rid} to everyone waiting for it, and caches it with the
   * request's fingerprint, unless that is null (an answer a retry should not get: UNAVAILABLE).
   */
  void answer(String rid, Reply reply, ByteString cacheWithFingerprint) {
    if (cacheWithFingerprint != null) {
      cache.put(rid, new Answer(cacheWithFingerprint, reply));
    }
    Set<Peer> ws = waiters.remove(rid);
    if (ws == null) {
      return;
    }
    QueueFrame frame = frame(reply);
    for (Peer p : ws) {
      Set<String> on = waitingOn.get(p.id());
      if (on != null) {
        on.remove(rid);
        if (on.isEmpty()) {
          waitingOn.remove(p.id());
        }
      }
      p.send(frame);
    }
  }

  /** A reply that is not the final answer (MissingChunks, WriteQueued, BUSY on WriteEnd). */
  void interim(String rid, Reply reply) {
    Set<Peer> ws = waiters.get(rid);
    if (ws != null) {
      QueueFrame frame = frame(reply);
      for (Peer p : ws) {
        p.send(frame);
      }
    }
  }

  /**
   * Answers {@code client} from the cache if {@code rid} was answered already; a cached answer of
   * another request under the same id is refused. Returns whether it answered.
   */
  boolean answerFromCache(Peer client, String rid, ByteString fingerprint) {
    Optional<Answer> cached = cache.get(rid);
    if (cached.isEmpty()) {
      return false;
    }
    ByteString fp = cached.get().fingerprint();
    if (!fp.isEmpty() && !fp.equals(fingerprint)) {
      client.send(frame(errorReply(rid, ReplyFrames.reusedRequestId(rid))));
    } else {
      client.send(frame(cached.get().reply()));
    }
    return true;
  }

  /** The cached final answer of {@code rid}, whatever the request looked like. */
  Optional<Reply> cached(String rid) {
    return cache.get(rid).map(Answer::reply);
  }

  /** The request ids someone waits for. */
  List<String> waiting() {
    return new ArrayList<>(waiters.keySet());
  }

  void expire() {
    cache.expire();
  }

  Map<String, Integer> waitersByRequest() {
    Map<String, Integer> out = new LinkedHashMap<>();
    waiters.forEach((k, v) -> out.put(k, v.size()));
    return out;
  }
}
