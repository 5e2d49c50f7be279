package io.spindle.cli;

import io.spindle.protocol.queue.GroupChangeInfo;
import io.spindle.protocol.queue.GroupInfo;
import io.spindle.protocol.queue.GroupListInfo;
import io.spindle.protocol.queue.GroupMemberInfo;
import io.spindle.protocol.queue.GroupSummaryInfo;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * What {@code spindle group} prints: JSON with the field names of the nodes' REST API (times as
 * ISO-8601 UTC), and tables for people.
 */
final class GroupOutput {
  private static final DateTimeFormatter WHEN =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneOffset.UTC);

  private GroupOutput() {}

  // ---- JSON ----

  static Map<String, Object> member(GroupMemberInfo m) {
    return Json.object(
        "id", m.getId(),
        "address", m.getAddress(),
        "meta", new TreeMap<String, Object>(m.getMetaMap()),
        "joinedAt", Instant.ofEpochMilli(m.getJoinedAtMillis()).toString(),
        "lastRenewed", Instant.ofEpochMilli(m.getRenewedAtMillis()).toString(),
        "state", m.getState(),
        "ttlSeconds", Integer.toUnsignedLong(m.getTtlSeconds()),
        "probe", m.getProbe(),
        "joinIndex", m.getJoinIndex());
  }

  static Map<String, Object> change(GroupChangeInfo c) {
    return Json.object(
        "index", c.getIndex(),
        "kind", c.getKind(),
        "member", c.getMemberId(),
        "address", c.getAddress());
  }

  static Map<String, Object> group(GroupInfo g) {
    List<Object> members = new ArrayList<>();
    g.getMembersList().forEach(m -> members.add(member(m)));
    List<Object> changes = new ArrayList<>();
    g.getChangesList().forEach(c -> changes.add(change(c)));
    return Json.object(
        "group", g.getGroup(),
        "index", g.getIndex(),
        "members", members,
        "changes", changes,
        "reset", g.getReset());
  }

  static List<Object> list(GroupListInfo l) {
    List<Object> out = new ArrayList<>();
    for (GroupSummaryInfo s : l.getGroupsList()) {
      out.add(
          Json.object(
              "group", s.getGroup(),
              "members", Integer.toUnsignedLong(s.getMembers()),
              "index", s.getIndex()));
    }
    return out;
  }

  // ---- people ----

  /** "group web at index 42: 2 members" and a table of them. */
  static String groupTable(GroupInfo g) {
    StringBuilder b = new StringBuilder();
    int n = g.getMembersCount();
    b.append("group ")
        .append(g.getGroup())
        .append(" at index ")
        .append(g.getIndex())
        .append(": ")
        .append(n == 0 ? "no members" : n == 1 ? "1 member" : n + " members");
    if (n == 0) {
      return b.toString();
    }
    List<String[]> rows = new ArrayList<>();
    rows.add(new String[] {"ID", "ADDRESS", "STATE", "TTL", "PROBE", "RENEWED (UTC)", "META"});
    for (GroupMemberInfo m : g.getMembersList()) {
      rows.add(
          new String[] {
            m.getId(),
            m.getAddress(),
            m.getState(),
            Integer.toUnsignedLong(m.getTtlSeconds()) + "s",
            m.getProbe(),
            WHEN.format(Instant.ofEpochMilli(m.getRenewedAtMillis())),
            meta(m.getMetaMap())
          });
    }
    b.append('\n').append(table(rows));
    return b.toString().stripTrailing();
  }

  static String listTable(GroupListInfo l) {
    if (l.getGroupsCount() == 0) {
      return "(no groups)";
    }
    List<String[]> rows = new ArrayList<>();
    rows.add(new String[] {"GROUP", "MEMBERS", "INDEX"});
    for (GroupSummaryInfo s : l.getGroupsList()) {
      rows.add(
          new String[] {
            s.getGroup(),
            Long.toString(Integer.toUnsignedLong(s.getMembers())),
            Long.toString(s.getIndex())
          });
    }
    return table(rows).stripTrailing();
  }

  /** One change as watch prints it: "43 joined w2 10.0.0.8:80". */
  static String changeLine(GroupChangeInfo c) {
    return String.format(
        Locale.ROOT,
        "%d  %-8s %s  %s",
        c.getIndex(),
        c.getKind(),
        c.getMemberId(),
        c.getAddress().isEmpty() ? "-" : c.getAddress());
  }

  private static String meta(Map<String, String> meta) {
    if (meta.isEmpty()) {
      return "-";
    }
    List<String> pairs = new ArrayList<>();
    new TreeMap<>(meta).forEach((k, v) -> pairs.add(k + "=" + v));
    return String.join(",", pairs);
  }

  /** Left-aligned columns two spaces apart; the last column is not padded. */
  private static String table(List<String[]> rows) {
    int columns = rows.get(0).length;
    int[] width = new int[columns];
    for (String[] r : rows) {
      for (int i = 0; i < columns; i++) {
        width[i] = Math.max(width[i], r[i].length());
      }
    }
    StringBuilder b = new StringBuilder();
    for (String[] r : rows) {
      for (int i = 0; i < columns; i++) {
        if (i == columns - 1) {
          b.append(r[i]);
        } else {
          b.append(r[i]).append(" ".repeat(width[i] - r[i].length() + 2));
        }
      }
      b.append('\n');
    }
    return b.toString();
  }
}
