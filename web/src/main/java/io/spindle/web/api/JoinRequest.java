package io.spindle.web.api;

import io.spindle.node.domain.group.InvalidGroupRequestException;
import io.spindle.node.domain.group.MemberSpec;
import io.spindle.node.domain.group.Probe;
import jakarta.json.Json;
import jakarta.json.JsonException;
import jakarta.json.JsonNumber;
import jakarta.json.JsonObject;
import jakarta.json.JsonReader;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;
import jakarta.json.stream.JsonLocation;
import jakarta.json.stream.JsonParsingException;
import java.io.ByteArrayInputStream;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * The body of a join, {@code {"address", "ttlSeconds", "meta", "probe"}}, read strictly: a field
 * the join does not know, or one of the wrong type, is a 400 that names it rather than a default
 * taken in silence (a misspelt {@code "ttl"} would otherwise give a 30 s lease). Read with JSON-P
 * rather than bound with JSON-B for that reason: binding ignores unknown fields and reports a wrong
 * type as a conversion failure deep inside the binder. The values' own rules are {@link
 * MemberSpec}'s.
 */
@Schema(
    description =
        "What a member joins (or renews) with; only address is required. Unknown fields are"
            + " refused.")
public record JoinRequest(
    @Schema(
            required = true,
            description =
                "Where the member is reached: any text for a member that renews its lease;"
                    + " host:port for a tcp probe; host:port or an http(s):// URL for an http"
                    + " probe (at most 512 characters)",
            example = "10.0.0.7:8080")
        String address,
    @Schema(
            description =
                "How long the member stays without a renewal or a successful probe: 1 to 3600"
                    + " seconds (30)",
            example = "30")
        Long ttlSeconds,
    @Schema(
            description =
                "The member's own key/value pairs, strings only: at most 64 entries, keys of 1 to"
                    + " 128 characters, 8 KiB of UTF-8 in all")
        Map<String, String> meta,
    @Schema(
            description =
                "How the member stays: none (it renews its lease, the default), http (the leader"
                    + " GETs the address; 2xx or 3xx is an answer) or tcp (the leader connects to"
                    + " it); a probed member is removed after several failures in a row",
            enumeration = {"none", "http", "tcp"})
        String probe) {

  private static final Set<String> FIELDS = Set.of("address", "ttlSeconds", "meta", "probe");
  private static final String SHAPE =
      "{\"address\": \"host:port\", \"ttlSeconds\": 30, \"meta\": {\"key\": \"value\"},"
          + " \"probe\": \"none\"} (only address is required)";

  /**
   * The join's body; an {@link InvalidGroupRequestException} (400) with a sentence if it is not
   * one.
   */
  static JoinRequest parse(byte[] body) {
    if (body.length == 0) {
      throw bad("a join needs a JSON body: " + SHAPE);
    }
    JsonValue value;
    try (JsonReader reader = Json.createReader(new ByteArrayInputStream(body))) {
      value = reader.readValue();
    } catch (JsonParsingException e) {
      throw bad("the body is not valid JSON (" + where(e.getLocation()) + "); a join is " + SHAPE);
    } catch (JsonException e) {
      throw bad("the body is not valid JSON; a join is " + SHAPE);
    }
    if (!(value instanceof JsonObject object)) {
      throw bad("the body is a JSON " + kind(value) + ", not an object; a join is " + SHAPE);
    }
    for (String field : object.keySet()) {
      if (!FIELDS.contains(field)) {
        throw bad(
            "a join has no field \""
                + field
                + "\"; it takes address, ttlSeconds, meta and probe: "
                + SHAPE);
      }
    }
    return new JoinRequest(
        string(object, "address", "where the member is reached, e.g. \"10.0.0.7:8080\""),
        seconds(object),
        meta(object),
        string(object, "probe", "\"none\", \"http\" or \"tcp\""));
  }

  /** The join's values, checked by {@link MemberSpec} (an invalid one is a 400 naming it). */
  MemberSpec spec() {
    return new MemberSpec(
        address, ttlSeconds == null ? null : Duration.ofSeconds(ttlSeconds), meta, Probe.of(probe));
  }

  private static String string(JsonObject object, String field, String what) {
    JsonValue v = object.get(field);
    if (v == null || v.getValueType() == JsonValue.ValueType.NULL) {
      return null;
    }
    if (v instanceof JsonString s) {
      return s.getString();
    }
    throw bad(field + " is a string, " + what + "; not a " + kind(v));
  }

  private static Long seconds(JsonObject object) {
    JsonValue v = object.get("ttlSeconds");
    if (v == null || v.getValueType() == JsonValue.ValueType.NULL) {
      return null;
    }
    String range =
        MemberSpec.MIN_TTL.toSeconds() + " to " + MemberSpec.MAX_TTL.toSeconds() + " seconds";
    if (!(v instanceof JsonNumber n)) {
      throw bad("ttlSeconds is a whole number, " + range + "; not a " + kind(v));
    }
    BigDecimal d = n.bigDecimalValue();
    if (d.stripTrailingZeros().scale() > 0) {
      throw bad("ttlSeconds is a whole number, " + range + "; not " + d.toPlainString());
    }
    try {
      return d.longValueExact();
    } catch (ArithmeticException e) {
      throw bad("ttlSeconds is " + range + ", not " + d.toPlainString());
    }
  }

  private static Map<String, String> meta(JsonObject object) {
    JsonValue v = object.get("meta");
    if (v == null || v.getValueType() == JsonValue.ValueType.NULL) {
      return null;
    }
    if (!(v instanceof JsonObject entries)) {
      throw bad("meta is an object of strings, like {\"zone\": \"a\"}; not a " + kind(v));
    }
    Map<String, String> meta = new LinkedHashMap<>();
    for (Map.Entry<String, JsonValue> e : entries.entrySet()) {
      if (!(e.getValue() instanceof JsonString s)) {
        throw bad("meta's values are strings; \"" + e.getKey() + "\" is a " + kind(e.getValue()));
      }
      meta.put(e.getKey(), s.getString());
    }
    return meta;
  }

  static String kind(JsonValue v) {
    return switch (v.getValueType()) {
      case TRUE, FALSE -> "boolean";
      default -> v.getValueType().name().toLowerCase(Locale.ROOT);
    };
  }

  static String where(JsonLocation at) {
    return at == null
        ? "it ends too soon or has something after its value"
        : "at line " + at.getLineNumber() + ", column " + at.getColumnNumber();
  }

  private static InvalidGroupRequestException bad(String sentence) {
    return new InvalidGroupRequestException(sentence);
  }
}
