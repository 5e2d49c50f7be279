package io.spindle.web.api;

import io.spindle.node.domain.group.GroupSummary;
import jakarta.json.bind.annotation.JsonbPropertyOrder;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/** A group in {@code GET /api/groups}: its name, how many members, the index of its last change. */
@Schema(
    description =
        "A group that has members: its name, how many, and the log index of its latest change")
@JsonbPropertyOrder({"group", "members", "index"})
public record GroupSummaryView(@Schema(example = "web") String group, int members, long index) {
  static GroupSummaryView of(GroupSummary s) {
    return new GroupSummaryView(s.group().value(), s.members(), s.index());
  }
}
