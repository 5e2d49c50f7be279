package io.spindle.web.api;

import io.spindle.node.domain.group.JoinOutcome;
import jakarta.json.bind.annotation.JsonbPropertyOrder;
import java.util.Map;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/** What a join answers: the member as {@link MemberView} shows it, whether it is new, the index. */
@Schema(
    description =
        "The member as it is after the join (the fields of MemberView), created (a new member, or"
            + " one that was and is renewed) and the log index of the join")
@JsonbPropertyOrder({
  "id",
  "address",
  "meta",
  "joinedAt",
  "lastRenewed",
  "state",
  "ttlSeconds",
  "probe",
  "joinIndex",
  "created",
  "index"
})
public record JoinView(
    String id,
    String address,
    Map<String, String> meta,
    String joinedAt,
    String lastRenewed,
    @Schema(enumeration = {"alive", "suspect"}) String state,
    long ttlSeconds,
    @Schema(enumeration = {"none", "http", "tcp"}) String probe,
    long joinIndex,
    boolean created,
    long index) {
  static JoinView of(JoinOutcome outcome) {
    MemberView m = MemberView.of(outcome.member());
    return new JoinView(
        m.id(),
        m.address(),
        m.meta(),
        m.joinedAt(),
        m.lastRenewed(),
        m.state(),
        m.ttlSeconds(),
        m.probe(),
        m.joinIndex(),
        outcome.created(),
        outcome.index());
  }
}
