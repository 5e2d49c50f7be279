package io.spindle.web.api;

import io.spindle.node.domain.group.GroupChange;
import jakarta.json.bind.annotation.JsonbNillable;
import jakarta.json.bind.annotation.JsonbPropertyOrder;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/** One change of a group in a watch's answer; {@code address} is null when the change has none. */
@Schema(
    description =
        "One change of a group, at the log index that made it: joined, updated, left, expired,"
            + " suspect or alive, the member and its address (null if the change carries none)")
@JsonbNillable
@JsonbPropertyOrder({"index", "kind", "member", "address"})
public record ChangeView(
    long index,
    @Schema(enumeration = {"joined", "updated", "left", "expired", "suspect", "alive"}) String kind,
    String member,
    String address) {
  static ChangeView of(GroupChange c) {
    return new ChangeView(c.index(), c.kind().label(), c.member().value(), c.address());
  }
}
