package io.spindle.web.api;

import io.spindle.node.application.GroupService;
import io.spindle.node.domain.group.MemberKey;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.json.Json;
import jakarta.json.JsonArray;
import jakarta.json.JsonObject;
import jakarta.json.JsonReader;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.io.ByteArrayInputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.logging.Logger;

/**
 * Passes the renewals ({@code POST …/members/{id}/renew}) that reach a follower on to the leader in
 * batches ({@code POST /api/renewals}) rather than one request each: a renewal costs the leader
 * next to nothing, its HTTP round trip is what a renewal through a follower spends. Renewals that
 * arrive while {@value #MAX_BATCHES_IN_FLIGHT} batches are out wait and go together in the next, so
 * the batches grow with the load and no renewal waits for a timer.
 *
 * <p>Each renewal is answered as the leader answered it: 200 and the member, 404 and why not; if
 * the whole batch failed (no leader, the leader unreachable or refusing), every renewal in it gets
 * that answer, a 503 to retry. At most {@value #MAX_WAITING} renewals wait at once; beyond that a
 * renewal is answered 503 at once.
 *
 * <p><b>Threading:</b> thread-safe; answers complete on the HTTP client's threads.
 */
@ApplicationScoped
public class RenewalBatcher {
  static final int MAX_BATCHES_IN_FLIGHT = 2;
  static final int MAX_WAITING = 20_000;

  private static final Logger LOG = Logger.getLogger(RenewalBatcher.class.getName());

  @Inject LeaderForwarder forwarder;

  private final ArrayDeque<Waiting> waiting = new ArrayDeque<>();
  private int inFlight;

  private record Waiting(MemberKey member, CompletableFuture<Response> answer) {}

  /** Renews {@code member} through the leader; completes with the answer for the client. */
  CompletableFuture<Response> renew(MemberKey member) {
    Waiting w = new Waiting(member, new CompletableFuture<>());
    synchronized (this) {
      if (waiting.size() >= MAX_WAITING) {
        return CompletableFuture.completedFuture(
            ApiExceptionMapper.unavailable(
                MAX_WAITING
                    + " renewals are already waiting to be passed on to the leader; retry in a"
                    + " moment"));
      }
      waiting.add(w);
    }
    sendWhileRoom();
    return w.answer();
  }

  private void sendWhileRoom() {
    while (true) {
      List<Waiting> batch = new ArrayList<>();
      synchronized (this) {
        if (inFlight >= MAX_BATCHES_IN_FLIGHT || waiting.isEmpty()) {
          return;
        }
        inFlight++;
        while (!waiting.isEmpty() && batch.size() < GroupService.MAX_RENEWALS_PER_CALL) {
          batch.add(waiting.poll());
        }
      }
      send(batch);
    }
  }

  private void send(List<Waiting> batch) {
    HttpRequest request;
    try {
      request =
          forwarder.changeRequest(
              "POST",
              List.of("renewals"),
              RenewalsRequest.of(batch.stream().map(Waiting::member).toList()));
    } catch (RuntimeException e) { // no leader known
      synchronized (this) {
        inFlight--;
      }
      Response failed = new ApiExceptionMapper().toResponse(e);
      batch.forEach(w -> w.answer().complete(Response.fromResponse(failed).build()));
      return;
    }
    forwarder
        .send(request)
        .whenComplete(
            (answer, failure) -> {
              synchronized (this) {
                inFlight--;
              }
              try {
                if (failure != null) {
                  Response failed =
                      LeaderForwarder.unreachable(
                          request, failure.getCause() != null ? failure.getCause() : failure, null);
                  batch.forEach(w -> w.answer().complete(Response.fromResponse(failed).build()));
                } else {
                  answer(batch, answer);
                }
              } catch (RuntimeException e) {
                // An answer of the wrong shape: no renewal in the batch is left waiting.
                LOG.warning(
                    () -> "the leader's answer to a batch of renewals was unreadable: " + e);
                batch.forEach(
                    w ->
                        w.answer()
                            .complete(
                                ApiExceptionMapper.unavailable(
                                    "the leader's answer to the renewal could not be read; retry"
                                        + " it")));
              } finally {
                sendWhileRoom();
              }
            });
  }

  private static void answer(List<Waiting> batch, HttpResponse<byte[]> answer) {
    if (answer.statusCode() != 200) {
      batch.forEach(w -> w.answer().complete(relayed(answer)));
      return;
    }
    JsonArray results;
    try (JsonReader reader = Json.createReader(new ByteArrayInputStream(answer.body()))) {
      results = reader.readObject().getJsonArray("results");
    }
    if (results == null || results.size() != batch.size()) {
      throw new IllegalStateException(
          (results == null ? "no" : results.size()) + " results for " + batch.size() + " renewals");
    }
    for (int i = 0; i < batch.size(); i++) {
      JsonObject result = results.getJsonObject(i);
      int status = result.getInt("status", 503);
      Response r =
          status == 200
              ? Response.ok(result.getJsonObject("member").toString(), MediaType.APPLICATION_JSON)
                  .build()
              : Response.status(status)
                  .entity(new ErrorBody(result.getString("error", "not renewed")))
                  .type(MediaType.APPLICATION_JSON_TYPE)
                  .build();
      batch.get(i).answer().complete(r);
    }
  }

  /** The leader's answer to the whole batch (a 503, a 401, ...), for one renewal in it. */
  private static Response relayed(HttpResponse<byte[]> answer) {
    Response.ResponseBuilder r = Response.status(answer.statusCode()).entity(answer.body());
    for (String header : new String[] {"Content-Type", "Retry-After"}) {
      answer.headers().firstValue(header).ifPresent(v -> r.header(header, v));
    }
    return r.build();
  }
}
