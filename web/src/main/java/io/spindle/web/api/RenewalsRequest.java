package io.spindle.web.api;

import io.spindle.node.application.GroupService;
import io.spindle.node.domain.group.GroupName;
import io.spindle.node.domain.group.InvalidGroupRequestException;
import io.spindle.node.domain.group.MemberId;
import io.spindle.node.domain.group.MemberKey;
import jakarta.json.Json;
import jakarta.json.JsonArray;
import jakarta.json.JsonArrayBuilder;
import jakarta.json.JsonException;
import jakarta.json.JsonObject;
import jakarta.json.JsonReader;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;
import jakarta.json.stream.JsonParsingException;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * The body of a renewal of many members, {@code {"members": [{"group": "web", "id": "web-1"},
 * ...]}}, read strictly as a join's body is ({@link JoinRequest}): an unknown field, a value of the
 * wrong type or an invalid name is a 400 that says where.
 */
@Schema(description = "The members to renew, 1 to 1,000. Unknown fields are refused.")
public record RenewalsRequest(@Schema(required = true) List<Member> members) {

  /** One member to renew. */
  @Schema(description = "A member to renew")
  public record Member(
      @Schema(required = true, example = "web") String group,
      @Schema(required = true, example = "web-1") String id) {}

  private static final String SHAPE =
      "{\"members\": [{\"group\": \"web\", \"id\": \"web-1\"}, ...]} (1 to "
          + GroupService.MAX_RENEWALS_PER_CALL
          + " members)";

  /** The members the body names, in its order; a 400 with a sentence if it is not such a body. */
  static List<MemberKey> parse(byte[] body) {
    if (body.length == 0) {
      throw bad("a renewal of many members needs a JSON body: " + SHAPE);
    }
    JsonValue value;
    try (JsonReader reader = Json.createReader(new ByteArrayInputStream(body))) {
      value = reader.readValue();
    } catch (JsonParsingException e) {
      throw bad(
          "the body is not valid JSON (" + JoinRequest.where(e.getLocation()) + "); " + SHAPE);
    } catch (JsonException e) {
      throw bad("the body is not valid JSON; it is " + SHAPE);
    }
    if (!(value instanceof JsonObject object)) {
      throw bad("the body is a JSON " + JoinRequest.kind(value) + ", not an object: " + SHAPE);
    }
    for (String field : object.keySet()) {
      if (!field.equals("members")) {
        throw bad("the body has no field \"" + field + "\"; it takes members only: " + SHAPE);
      }
    }
    if (!(object.get("members") instanceof JsonArray members)) {
      throw bad(
          "members is an array of {\"group\", \"id\"} objects"
              + (object.get("members") == null
                  ? ", and it is missing"
                  : ", not a " + JoinRequest.kind(object.get("members")))
              + ": "
              + SHAPE);
    }
    if (members.isEmpty() || members.size() > GroupService.MAX_RENEWALS_PER_CALL) {
      throw bad(
          "members lists 1 to "
              + GroupService.MAX_RENEWALS_PER_CALL
              + " members to renew, not "
              + members.size());
    }
    List<MemberKey> keys = new ArrayList<>(members.size());
    for (int i = 0; i < members.size(); i++) {
      String at = "members[" + i + "]";
      if (!(members.get(i) instanceof JsonObject m)) {
        throw bad(at + " is a " + JoinRequest.kind(members.get(i)) + ", not {\"group\", \"id\"}");
      }
      for (String field : m.keySet()) {
        if (!FIELDS.contains(field)) {
          throw bad(at + " has no field \"" + field + "\"; a member is {\"group\", \"id\"}");
        }
      }
      try {
        keys.add(
            new MemberKey(GroupName.of(string(m, "group", at)), MemberId.of(string(m, "id", at))));
      } catch (InvalidGroupRequestException e) {
        throw bad(at + ": " + e.getMessage());
      }
    }
    return keys;
  }

  /** The body that names {@code members}, as {@link #parse} reads it. */
  static byte[] of(List<MemberKey> members) {
    JsonArrayBuilder array = Json.createArrayBuilder();
    for (MemberKey m : members) {
      array.add(
          Json.createObjectBuilder().add("group", m.group().value()).add("id", m.id().value()));
    }
    return Json.createObjectBuilder()
        .add("members", array)
        .build()
        .toString()
        .getBytes(StandardCharsets.UTF_8);
  }

  private static final Set<String> FIELDS = Set.of("group", "id");

  private static String string(JsonObject m, String field, String at) {
    JsonValue v = m.get(field);
    if (v instanceof JsonString s) {
      return s.getString();
    }
    throw bad(
        at
            + "."
            + field
            + " is a string"
            + (v == null ? ", and it is missing" : ", not a " + JoinRequest.kind(v)));
  }

  private static InvalidGroupRequestException bad(String sentence) {
    return new InvalidGroupRequestException(sentence);
  }
}
