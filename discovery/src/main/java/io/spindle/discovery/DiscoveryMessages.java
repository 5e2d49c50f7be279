package io.spindle.discovery;

import com.google.protobuf.ByteString;
import io.spindle.protocol.discovery.AddNodeRequestProto;
import io.spindle.protocol.discovery.DiscoveryBody;
import io.spindle.protocol.discovery.EdgeListProto;
import io.spindle.protocol.discovery.EdgeMemberProto;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The one place the message records become protobuf and back. Reading checks what the records
 * check, so an authentic but invalid body fails here with {@link IllegalArgumentException} naming
 * what is wrong, and is dropped as {@link DropReason#BAD_BODY}.
 */
final class DiscoveryMessages {
  private DiscoveryMessages() {}

  static DiscoveryBody body(AddNodeRequest request) {
    return DiscoveryBody.newBuilder()
        .setAddNodeRequest(
            AddNodeRequestProto.newBuilder()
                .setNodeId(request.nodeId())
                .setRaftAddress(request.raftAddress().toString())
                .setHttpUrl(request.httpUrl().toString())
                .setHasData(request.hasData()))
        .build();
  }

  static DiscoveryBody body(EdgeList edges, byte[] inReplyTo) {
    EdgeListProto.Builder proto =
        EdgeListProto.newBuilder()
            .setQueueServerAddress(edges.queueServer().toString())
            .setClusterId(edges.clusterId())
            .setLeaderId(edges.leaderId().orElse(""))
            .setInReplyTo(ByteString.copyFrom(inReplyTo));
    for (EdgeMember member : edges.members()) {
      proto.addMembers(
          EdgeMemberProto.newBuilder()
              .setNodeId(member.nodeId())
              .setRaftAddress(member.raftAddress().toString())
              .setHttpUrl(member.httpUrl().map(URI::toString).orElse(""))
              .setVoter(member.voter()));
    }
    return DiscoveryBody.newBuilder().setEdgeList(proto).build();
  }

  static AddNodeRequest request(AddNodeRequestProto proto) {
    return new AddNodeRequest(
        proto.getNodeId(),
        HostPort.parse(proto.getRaftAddress()),
        uri("the node's http url", proto.getHttpUrl()),
        proto.getHasData());
  }

  static EdgeList edgeList(EdgeListProto proto) {
    List<EdgeMember> members = new ArrayList<>(proto.getMembersCount());
    for (EdgeMemberProto member : proto.getMembersList()) {
      members.add(
          new EdgeMember(
              member.getNodeId(),
              HostPort.parse(member.getRaftAddress()),
              member.getHttpUrl().isEmpty()
                  ? Optional.empty()
                  : Optional.of(uri("a member's http url", member.getHttpUrl())),
              member.getVoter()));
    }
    return new EdgeList(
        HostPort.parse(proto.getQueueServerAddress()),
        proto.getClusterId(),
        members,
        proto.getLeaderId().isEmpty() ? Optional.empty() : Optional.of(proto.getLeaderId()));
  }

  private static URI uri(String what, String text) {
    try {
      return new URI(text);
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException(what + " is not a URL: " + e.getMessage());
    }
  }
}
