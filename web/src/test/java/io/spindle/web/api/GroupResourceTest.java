package io.spindle.web.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spindle.node.application.NodeFacade;
import io.spindle.node.application.NodeStatus;
import io.spindle.node.application.NotLeaderException;
import io.spindle.node.domain.group.GroupName;
import io.spindle.node.domain.group.InvalidGroupRequestException;
import io.spindle.node.domain.group.MemberId;
import io.spindle.node.domain.group.MemberSpec;
import io.spindle.node.domain.group.Probe;
import jakarta.ws.rs.container.AsyncResponse;
import jakarta.ws.rs.core.HttpHeaders;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link GroupResource} over {@link InMemoryGroups}: what the reads and the watch answer (views,
 * labels, times), the query parameters it refuses with a sentence, and that a watch holds no thread
 * and answers on the group's change or at its timeout. The changes' HTTP answers (201, 204, 404,
 * the JSON body) need the JAX-RS runtime: {@code GroupApiIT} checks them on Payara.
 */
class GroupResourceTest {
  private static final GroupName WEB = GroupName.of("web");

  private final InMemoryGroups service = new InMemoryGroups();
  private GroupResource resource;
  private String forwardedBy;

  @BeforeEach
  void resource() {
    resource = new GroupResource();
    resource.groups = service;
    resource.node = node(true);
    resource.headers = headers();
    resource.forwarder = new LeaderForwarder();
    resource.forwarder.node = resource.node;
  }

  @Test
  void listAndShowGiveTheMembersWithLabelsIsoTimesAndTheIndexOfTheLatestChange() {
    service.join(
        WEB,
        MemberId.of("web-1"),
        new MemberSpec("10.0.0.7:8080", Duration.ofSeconds(12), Map.of("zone", "a"), Probe.TCP));
    service.join(WEB, MemberId.of("web-2"), spec("10.0.0.8:8080"));
    service.join(GroupName.of("db"), MemberId.of("db-1"), spec("10.0.0.9:5432"));

    assertEquals(
        List.of(new GroupSummaryView("db", 1, 3), new GroupSummaryView("web", 2, 2)),
        resource.list(false));

    GroupDetailView web = (GroupDetailView) read("web", true).join();
    assertEquals("web", web.group());
    assertEquals(2, web.index());
    assertEquals(List.of(), web.changes(), "a plain read carries no changes");
    assertFalse(web.reset());
    assertEquals(
        new MemberView(
            "web-1",
            "10.0.0.7:8080",
            Map.of("zone", "a"),
            "2026-12-06T19:20:00Z",
            "2026-12-06T19:20:00Z",
            "alive",
            12,
            "tcp",
            1),
        web.members().get(0));
    assertEquals("none", web.members().get(1).probe());
    assertEquals(30, web.members().get(1).ttlSeconds(), "the default lease");
    assertEquals(
        Instant.parse(web.members().get(0).joinedAt()), InMemoryGroups.NOW, "ISO-8601 instants");
  }

  @Test
  void aGroupWithoutMembersIsShownEmptyNotMissing() {
    GroupDetailView none = (GroupDetailView) read("nobody", false).join();
    assertEquals(new GroupDetailView("nobody", 0, List.of(), List.of(), false), none);
  }

  @Test
  void aWatchHoldsNoThreadAndAnswersWithTheChangesOnceTheGroupChanges() {
    service.join(WEB, MemberId.of("web-1"), spec("10.0.0.7:8080"));
    CompletableFuture<Object> watch = watch("web", "1", "30");
    assertFalse(watch.isDone(), "nothing changed after index 1 yet: the request is suspended");
    assertEquals(1, service.waiting());

    service.join(WEB, MemberId.of("web-2"), spec("10.0.0.8:8080"));
    GroupDetailView changed = (GroupDetailView) watch.join();
    assertEquals(2, changed.index());
    assertEquals(List.of(new ChangeView(2, "joined", "web-2", "10.0.0.8:8080")), changed.changes());
    assertEquals(2, changed.members().size());

    service.leave(WEB, MemberId.of("web-2"));
    GroupDetailView missed = (GroupDetailView) watch("web", "1", null).join();
    assertEquals(
        List.of(
            new ChangeView(2, "joined", "web-2", "10.0.0.8:8080"),
            new ChangeView(3, "left", "web-2", null)),
        missed.changes(),
        "a watcher behind gets every change since its index at once");
  }

  @Test
  void aWatchThatTimesOutAnswersTheGroupUnchanged() throws Exception {
    service.join(WEB, MemberId.of("web-1"), spec("10.0.0.7:8080"));
    FakeAsync async = new FakeAsync();
    resource.show("web", false, true, "1", "1", async.proxy());
    assertEquals(
        Duration.ofSeconds(1).plus(GroupResource.WATCH_GRACE).toMillis(),
        async.timeoutMillis,
        "the request's own timeout is the watch's plus a grace");
    GroupDetailView unchanged = (GroupDetailView) async.resumed.get(10, TimeUnit.SECONDS);
    assertEquals(1, unchanged.index());
    assertEquals(List.of(), unchanged.changes());
  }

  @Test
  void aWatchThatFailsResumesWithTheFailureForTheExceptionMapper() {
    CompletableFuture<Object> watch = watch("web", "0", null);
    service.failWatches(new NotLeaderException(Optional.empty()));
    Object failure = watch.join();
    assertInstanceOf(Throwable.class, failure);
    Throwable cause = ((Throwable) failure).getCause();
    assertInstanceOf(NotLeaderException.class, cause == null ? failure : cause);
  }

  @Test
  void badWatchParametersAreRefusedWithASentence() {
    assertRefused(watch("web", null, null), "a watch needs after=INDEX");
    assertRefused(watch("web", "x", null), "not 'x'");
    assertRefused(watch("web", "-1", null), "not '-1'");
    assertRefused(watch("web", "1", "0"), "timeoutSeconds is how long a watch waits");
    assertRefused(watch("web", "1", "61"), "1 to 60 seconds, not '61'");
    assertRefused(watch("web", "1", "soon"), "not 'soon'");
    assertRefused(showWithoutWait("web", "1"), "add wait=true");
    assertRefused(watch("a/b", "1", null), "must not contain '/'");
    assertEquals(0, service.waiting(), "no watch was started");
  }

  @Test
  void theWatchTimeoutDefaultsToThirtySeconds() {
    assertEquals(Duration.ofSeconds(30), GroupResource.watchTimeout(null));
    assertEquals(Duration.ofSeconds(60), GroupResource.watchTimeout("60"));
    assertEquals(7, GroupResource.afterIndex(" 7 "));
  }

  @Test
  void aChangeForwardedOnceIsNotForwardedAgain() {
    resource.node = node(false);
    resource.forwarder.node = resource.node;
    forwardedBy = "n2";
    FakeAsync async = new FakeAsync();
    resource.renew("web", "web-1", async.proxy());
    assertInstanceOf(
        NotLeaderException.class,
        async.resumed.join(),
        "a follower that got a forward answers 503 rather than forwarding it again");
  }

  @Test
  void namesAreCheckedBeforeAnythingElse() {
    InvalidGroupRequestException e =
        assertThrows(InvalidGroupRequestException.class, () -> resource.leave("web", ".."));
    assertTrue(e.getMessage().contains("member id must not be '..'"), e.getMessage());
  }

  private CompletableFuture<Object> read(String group, boolean stale) {
    FakeAsync async = new FakeAsync();
    resource.show(group, stale, false, null, null, async.proxy());
    return async.resumed;
  }

  private CompletableFuture<Object> watch(String group, String after, String timeout) {
    FakeAsync async = new FakeAsync();
    resource.show(group, false, true, after, timeout, async.proxy());
    return async.resumed;
  }

  private CompletableFuture<Object> showWithoutWait(String group, String after) {
    FakeAsync async = new FakeAsync();
    resource.show(group, false, false, after, null, async.proxy());
    return async.resumed;
  }

  private static void assertRefused(CompletableFuture<Object> answer, String says) {
    assertTrue(answer.isDone(), "answered at once");
    Object failure = answer.join();
    InvalidGroupRequestException e = assertInstanceOf(InvalidGroupRequestException.class, failure);
    assertTrue(e.getMessage().contains(says), e.getMessage());
  }

  private static MemberSpec spec(String address) {
    return new MemberSpec(address, null, null, Probe.NONE);
  }

  private static NodeFacade node(boolean leader) {
    NodeStatus status =
        new NodeStatus(
            "n1",
            leader ? NodeStatus.Role.LEADER : NodeStatus.Role.FOLLOWER,
            3,
            Optional.of(leader ? "n1" : "n2"),
            10,
            10,
            10,
            List.of(),
            true);
    return fake(
        NodeFacade.class,
        (method, args) -> {
          if (method.equals("status")) {
            return status;
          }
          throw new UnsupportedOperationException(method);
        });
  }

  private HttpHeaders headers() {
    return fake(
        HttpHeaders.class,
        (method, args) -> {
          if (method.equals("getHeaderString") && LeaderForwarder.FORWARDED.equals(args[0])) {
            return forwardedBy;
          }
          if (method.equals("getHeaderString")) {
            return null;
          }
          throw new UnsupportedOperationException(method);
        });
  }

  /** An AsyncResponse that records what the request was resumed with and its timeout. */
  private static final class FakeAsync {
    final CompletableFuture<Object> resumed = new CompletableFuture<>();
    long timeoutMillis = -1;

    AsyncResponse proxy() {
      return fake(
          AsyncResponse.class,
          (method, args) ->
              switch (method) {
                case "resume" -> resumed.complete(args[0]);
                case "setTimeout" -> {
                  timeoutMillis = ((TimeUnit) args[1]).toMillis((Long) args[0]);
                  yield true;
                }
                case "setTimeoutHandler" -> null;
                case "isSuspended" -> !resumed.isDone();
                default -> throw new UnsupportedOperationException(method);
              });
    }
  }

  private interface Handler {
    Object call(String method, Object[] args);
  }

  private static <T> T fake(Class<T> type, Handler handler) {
    return type.cast(
        Proxy.newProxyInstance(
            type.getClassLoader(),
            new Class<?>[] {type},
            (proxy, method, args) -> {
              if (method.getDeclaringClass() == Object.class) {
                return switch (method.getName()) {
                  case "equals" -> proxy == args[0];
                  case "hashCode" -> System.identityHashCode(proxy);
                  default -> "fake " + type.getSimpleName();
                };
              }
              return handler.call(method.getName(), args);
            }));
  }
}
