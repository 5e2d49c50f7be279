package io.spindle.web.api;

import io.spindle.node.application.NoSuchMemberException;
import io.spindle.node.domain.group.GroupMember;
import io.spindle.node.domain.group.MemberKey;
import jakarta.json.bind.annotation.JsonbPropertyOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/** The answer to a renewal of many members: one result for each, in the request's order. */
@Schema(description = "One result for each member of the request, in its order")
public record RenewalsView(List<Result> results) {

  /** One member's renewal: 200 and the member, or 404 and why not. */
  @Schema(
      description =
          "A member's renewal: status 200 with the renewed member, or 404 with an error when it is"
              + " not a member (it expired, left or never joined: join again)")
  @JsonbPropertyOrder({"group", "id", "status", "member", "error"})
  public record Result(
      @Schema(example = "web") String group,
      @Schema(example = "web-1") String id,
      @Schema(enumeration = {"200", "404"}) int status,
      @Schema(description = "With status 200: the member, renewed") MemberView member,
      @Schema(description = "With status 404: why not") String error) {}

  static RenewalsView of(List<MemberKey> members, List<Optional<GroupMember>> renewed) {
    List<Result> results = new ArrayList<>(members.size());
    for (int i = 0; i < members.size(); i++) {
      MemberKey m = members.get(i);
      results.add(
          renewed
              .get(i)
              .map(r -> new Result(m.group().value(), m.id().value(), 200, MemberView.of(r), null))
              .orElseGet(
                  () ->
                      new Result(
                          m.group().value(),
                          m.id().value(),
                          404,
                          null,
                          NoSuchMemberException.toRenew(m.group(), m.id()).getMessage())));
    }
    return new RenewalsView(results);
  }
}
