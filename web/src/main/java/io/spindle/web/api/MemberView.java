package io.spindle.web.api;

import io.spindle.node.domain.group.GroupMember;
import jakarta.json.bind.annotation.JsonbPropertyOrder;
import java.util.Map;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * A member of a group as the API shows it: times as ISO-8601 instants, state and probe as their
 * lower-case labels.
 */
@Schema(
    description =
        "A member of a group: its id, address and metadata, when it joined and last renewed (or"
            + " answered a probe), alive or suspect, its lease in seconds, how it is checked (none:"
            + " it renews its lease; http; tcp) and the log index of its join")
@JsonbPropertyOrder({
  "id",
  "address",
  "meta",
  "joinedAt",
  "lastRenewed",
  "state",
  "ttlSeconds",
  "probe",
  "joinIndex"
})
public record MemberView(
    @Schema(example = "web-1") String id,
    @Schema(example = "10.0.0.7:8080") String address,
    Map<String, String> meta,
    @Schema(example = "2026-12-06T19:20:00Z") String joinedAt,
    @Schema(example = "2026-12-06T19:20:30Z") String lastRenewed,
    @Schema(enumeration = {"alive", "suspect"}) String state,
    long ttlSeconds,
    @Schema(enumeration = {"none", "http", "tcp"}) String probe,
    long joinIndex) {
  static MemberView of(GroupMember m) {
    return new MemberView(
        m.id().value(),
        m.address(),
        m.meta(),
        m.joinedAt().toString(),
        m.lastRenewed().toString(),
        m.state().label(),
        m.ttl().toSeconds(),
        m.probe().label(),
        m.joinIndex());
  }
}
