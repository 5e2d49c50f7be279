package io.spindle.web.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spindle.node.domain.group.GroupName;
import io.spindle.node.domain.group.InvalidGroupRequestException;
import io.spindle.node.domain.group.MemberId;
import io.spindle.node.domain.group.MemberKey;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@link RenewalsRequest}: the body of {@code POST /api/renewals} read strictly, each refusal a
 * sentence that says where, and the body a follower writes read back as it was.
 */
class RenewalsRequestTest {

  @Test
  void theMembersAreReadInTheirOrderAndWrittenBackTheSame() {
    List<MemberKey> members =
        List.of(
            new MemberKey(GroupName.of("web"), MemberId.of("web-1")),
            new MemberKey(GroupName.of("db"), MemberId.of("prima \"ü\"")),
            new MemberKey(GroupName.of("web"), MemberId.of("web-0")));
    assertEquals(members, RenewalsRequest.parse(RenewalsRequest.of(members)));
    assertEquals(
        List.of(new MemberKey(GroupName.of("g"), MemberId.of("m"))),
        parse("{\"members\": [{\"id\": \"m\", \"group\": \"g\"}]}"));
  }

  @Test
  void everyMalformedBodyIsRefusedWithASentenceThatSaysWhere() {
    Map<String, String> refused = new LinkedHashMap<>();
    refused.put("", "needs a JSON body");
    refused.put("{\"members\": [", "not valid JSON");
    refused.put("[]", "a JSON array, not an object");
    refused.put("{}", "members is an array of {\"group\", \"id\"} objects, and it is missing");
    refused.put("{\"members\": {}}", "not a object");
    refused.put("{\"members\": [], \"x\": 1}", "no field \"x\"");
    refused.put("{\"members\": []}", "1 to 1000 members to renew, not 0");
    refused.put("{\"members\": [\"web/web-1\"]}", "members[0] is a string");
    refused.put(
        "{\"members\": [{\"group\": \"g\", \"id\": \"m\"}, {\"group\": \"g\"}]}",
        "members[1].id is a string, and it is missing");
    refused.put("{\"members\": [{\"group\": 7, \"id\": \"m\"}]}", "members[0].group is a string");
    refused.put(
        "{\"members\": [{\"group\": \"g\", \"id\": \"m\", \"ttl\": 5}]}",
        "members[0] has no field \"ttl\"");
    refused.put("{\"members\": [{\"group\": \"a/b\", \"id\": \"m\"}]}", "members[0]: ");
    refused.put("{\"members\": [{\"group\": \"g\", \"id\": \"..\"}]}", "members[0]: ");
    for (Map.Entry<String, String> r : refused.entrySet()) {
      InvalidGroupRequestException e =
          assertThrows(InvalidGroupRequestException.class, () -> parse(r.getKey()), r.getKey());
      assertTrue(e.getMessage().contains(r.getValue()), r.getKey() + " -> " + e.getMessage());
    }
  }

  @Test
  void aThousandMembersAreTakenAndOneMoreIsNot() {
    List<MemberKey> members = new ArrayList<>();
    for (int i = 0; i < 1000; i++) {
      members.add(new MemberKey(GroupName.of("g" + i % 7), MemberId.of("m" + i)));
    }
    assertEquals(members, RenewalsRequest.parse(RenewalsRequest.of(members)));
    members.add(new MemberKey(GroupName.of("g"), MemberId.of("one-more")));
    InvalidGroupRequestException e =
        assertThrows(
            InvalidGroupRequestException.class,
            () -> RenewalsRequest.parse(RenewalsRequest.of(members)));
    assertTrue(e.getMessage().contains("not 1001"), e.getMessage());
  }

  private static List<MemberKey> parse(String body) {
    return RenewalsRequest.parse(body.getBytes(StandardCharsets.UTF_8));
  }
}
