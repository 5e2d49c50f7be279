package io.spindle.discovery;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spindle.protocol.discovery.AddNodeRequestProto;
import io.spindle.protocol.discovery.DiscoveryBody;
import io.spindle.protocol.discovery.EdgeListProto;
import io.spindle.protocol.discovery.EdgeMemberProto;
import java.net.URI;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Records to protobuf and back, and what a body the records would not allow looks like. */
class DiscoveryMessagesTest {

  @Test
  void addNodeRequestRoundTrips() throws Exception {
    AddNodeRequest request =
        new AddNodeRequest(
            "node-7", new HostPort("fe80::1", 7001), URI.create("https://n7.example:3001/"), true);

    DiscoveryBody body = DiscoveryBody.parseFrom(DiscoveryMessages.body(request).toByteArray());

    assertEquals("[fe80::1]:7001", body.getAddNodeRequest().getRaftAddress());
    assertEquals(request, DiscoveryMessages.request(body.getAddNodeRequest()));
  }

  @Test
  void edgeListRoundTripsWithItsReplyNonce() throws Exception {
    EdgeList edges =
        new EdgeList(
            new HostPort("queue.example", 4000),
            "alpha",
            List.of(
                new EdgeMember(
                    "n1",
                    new HostPort("10.0.0.1", 7000),
                    Optional.of(URI.create("http://10.0.0.1:3000")),
                    true),
                new EdgeMember("n2", new HostPort("10.0.0.2", 7000), Optional.empty(), false)),
            Optional.of("n1"));
    byte[] nonce = new byte[16];
    nonce[3] = 9;

    DiscoveryBody body =
        DiscoveryBody.parseFrom(DiscoveryMessages.body(edges, nonce).toByteArray());

    assertArrayEquals(nonce, body.getEdgeList().getInReplyTo().toByteArray());
    assertEquals(edges, DiscoveryMessages.edgeList(body.getEdgeList()));
    assertEquals("n1", edges.leader().orElseThrow().nodeId());
  }

  @Test
  void edgeListWithoutLeaderOrMembersRoundTrips() {
    EdgeList empty = new EdgeList(new HostPort("q", 4000), "alpha", List.of(), Optional.empty());

    EdgeList back =
        DiscoveryMessages.edgeList(DiscoveryMessages.body(empty, new byte[16]).getEdgeList());

    assertEquals(empty, back);
    assertTrue(back.leader().isEmpty());
  }

  @Test
  void invalidBodiesAreRejectedWithTheReason() {
    AddNodeRequestProto good =
        AddNodeRequestProto.newBuilder()
            .setNodeId("n1")
            .setRaftAddress("10.0.0.1:7000")
            .setHttpUrl("http://10.0.0.1:3000")
            .build();

    assertMessage(
        "node id is empty",
        () -> DiscoveryMessages.request(good.toBuilder().setNodeId("").build()));
    assertMessage(
        "expected host:port",
        () -> DiscoveryMessages.request(good.toBuilder().setRaftAddress("10.0.0.1").build()));
    assertMessage(
        "between 1 and 65535",
        () -> DiscoveryMessages.request(good.toBuilder().setRaftAddress("h:0").build()));
    assertMessage(
        "not an absolute http",
        () -> DiscoveryMessages.request(good.toBuilder().setHttpUrl("ftp://x/").build()));
    assertMessage(
        "names member n1 twice",
        () ->
            DiscoveryMessages.edgeList(
                EdgeListProto.newBuilder()
                    .setQueueServerAddress("q:4000")
                    .setClusterId("alpha")
                    .addMembers(EdgeMemberProto.newBuilder().setNodeId("n1").setRaftAddress("a:1"))
                    .addMembers(EdgeMemberProto.newBuilder().setNodeId("n1").setRaftAddress("b:1"))
                    .build()));
    assertMessage(
        "cluster id",
        () ->
            DiscoveryMessages.edgeList(
                EdgeListProto.newBuilder().setQueueServerAddress("q:4000").build()));
  }

  @Test
  void hostPortParsesAndPrintsBack() {
    assertEquals(new HostPort("example.org", 80), HostPort.parse("example.org:80"));
    assertEquals(new HostPort("::1", 7000), HostPort.parse("[::1]:7000"));
    assertEquals("[::1]:7000", new HostPort("::1", 7000).toString());
    assertMessage("write an IPv6 literal as [address]:port", () -> HostPort.parse("::1:7000"));
    assertMessage("is not a number", () -> HostPort.parse("h:x"));
    assertMessage("host of a host:port address is empty", () -> HostPort.parse(":7000"));
  }

  private static void assertMessage(String fragment, Runnable action) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, action::run);
    assertTrue(e.getMessage().contains(fragment), "expected '" + fragment + "' in: " + e);
  }
}
