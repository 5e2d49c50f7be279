package io.spindle.web.api;

import io.spindle.node.domain.group.GroupView;
import jakarta.json.bind.annotation.JsonbPropertyOrder;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/** {@code GET /api/groups/{group}}: the group's members as of {@code index}, and a watch's news. */
@Schema(
    description =
        "A group as of the log index of its latest change: its members (by id) and, for a watch"
            + " (wait=true), the changes after the index the watcher gave, oldest first. reset:"
            + " those changes are no longer all remembered; members is then the whole truth."
            + " Pass index back as after to watch for the next change.")
@JsonbPropertyOrder({"group", "index", "members", "changes", "reset"})
public record GroupDetailView(
    @Schema(example = "web") String group,
    long index,
    List<MemberView> members,
    List<ChangeView> changes,
    boolean reset) {
  static GroupDetailView of(GroupView v) {
    return new GroupDetailView(
        v.group().value(),
        v.index(),
        v.members().stream().map(MemberView::of).toList(),
        v.changes().stream().map(ChangeView::of).toList(),
        v.reset());
  }
}
