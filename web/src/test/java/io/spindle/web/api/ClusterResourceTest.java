package io.spindle.web.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spindle.node.application.NodeFacade;
import io.spindle.node.application.NodeStatus;
import io.spindle.node.application.NotAVoterException;
import io.spindle.node.application.NotLeaderException;
import java.lang.reflect.Proxy;
import java.net.URI;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** {@code POST /api/cluster/leader}: what each outcome of a transfer answers. */
class ClusterResourceTest {
  private final AtomicReference<Optional<String>> asked = new AtomicReference<>();

  @Test
  void aTransferAnswersWhoLedAndWhoLeadsNow() throws Exception {
    ClusterResource resource = resource(target -> CompletableFuture.completedFuture("n2"));

    assertEquals(new ClusterResource.TransferView("n1", "n2"), resource.transferLeadership("n2"));
    assertEquals(Optional.of("n2"), asked.get());
  }

  @Test
  void withoutATargetTheLeaderPicksOneAndABlankTargetIsNone() throws Exception {
    ClusterResource resource = resource(target -> CompletableFuture.completedFuture("n3"));

    assertEquals("n3", resource.transferLeadership(null).leader());
    assertEquals(Optional.empty(), asked.get());
    assertEquals("n3", resource.transferLeadership("  ").leader());
    assertEquals(Optional.empty(), asked.get());
  }

  @Test
  void aTargetThatIsNoVoterFailsNamingIt() {
    ClusterResource resource =
        resource(
            target ->
                CompletableFuture.failedFuture(
                    new NotAVoterException("'n9' is not a voter of this cluster")));

    ExecutionException e =
        assertThrows(ExecutionException.class, () -> resource.transferLeadership("n9"));
    assertInstanceOf(NotAVoterException.class, e.getCause()); // 400 (ApiExceptionMapper)
    assertTrue(e.getCause().getMessage().contains("'n9' is not a voter"));
  }

  @Test
  void aFollowerFailsNamingTheLeader() {
    ClusterResource resource =
        resource(
            target ->
                CompletableFuture.failedFuture(
                    new NotLeaderException(
                        Optional.of(URI.create("http://10.0.0.2:3000")), "leadership transfers")));

    ExecutionException e =
        assertThrows(ExecutionException.class, () -> resource.transferLeadership("n2"));
    NotLeaderException notLeader = assertInstanceOf(NotLeaderException.class, e.getCause());
    assertEquals(
        "this node is not the leader; send leadership transfers to http://10.0.0.2:3000",
        notLeader.getMessage()); // 409 (ApiExceptionMapper)
  }

  private ClusterResource resource(Function<Optional<String>, CompletableFuture<String>> transfer) {
    NodeStatus status =
        new NodeStatus(
            "n1", NodeStatus.Role.LEADER, 3, Optional.of("n1"), 10, 10, 10, List.of(), true);
    ClusterResource resource = new ClusterResource();
    resource.node =
        (NodeFacade)
            Proxy.newProxyInstance(
                NodeFacade.class.getClassLoader(),
                new Class<?>[] {NodeFacade.class},
                (proxy, method, args) ->
                    switch (method.getName()) {
                      case "status" -> status;
                      case "transferLeadership" -> {
                        @SuppressWarnings("unchecked")
                        Optional<String> target = (Optional<String>) args[0];
                        asked.set(target);
                        yield transfer.apply(target);
                      }
                      default -> throw new UnsupportedOperationException(method.getName());
                    });
    return resource;
  }
}
