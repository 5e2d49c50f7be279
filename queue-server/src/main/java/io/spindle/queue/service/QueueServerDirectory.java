package io.spindle.queue.service;

import io.spindle.discovery.HostPort;
import io.spindle.protocol.logging.RateLimitedLog;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The queue servers of this cluster that this one knows of, as a Welcome names them to clients and
 * nodes: itself first (its advertised address), then the peers it was configured with ({@code
 * --peers}), then the ones its nodes report ({@code NodeStatus.queue_servers}), so that a client or
 * node that knows one queue server learns the rest.
 *
 * <p>Only authenticated nodes report (their reports come over node connections, after the
 * challenge-response), and what they report is bounded: each node's latest report counts, at most
 * {@value #MAX_PER_REPORT} entries of it, and at most {@value #MAX_LEARNED} learned servers in all
 * (the first in order). A malformed entry is left out and logged (rate-limited). A server no node
 * reports any more is forgotten; configured peers never are.
 *
 * <p><b>Threading:</b> {@link #report} on the queue service's core thread only; {@link #known} from
 * any thread (an immutable list published through a volatile field: the handshake reads it on an
 * event loop without blocking).
 */
public final class QueueServerDirectory {
  private static final Logger LOG = Logger.getLogger(QueueServerDirectory.class.getName());
  private static final RateLimitedLog LIMITED_LOG = RateLimitedLog.of(LOG);

  /** The most entries of one node's report that count. */
  public static final int MAX_PER_REPORT = 16;

  /** The most servers learned from the nodes' reports, beyond this one and its configured peers. */
  public static final int MAX_LEARNED = 16;

  private final String self;
  private final List<String> configured;

  // Confined to the core thread: each node's latest report as it came, and what counted of it.
  private final Map<String, List<String>> rawReports = new TreeMap<>();
  private final Map<String, List<String>> reports = new TreeMap<>();

  private volatile List<String> known;

  /**
   * @param self this server's advertised host:port
   * @param peers the configured peers (host:port each, checked by the caller); this server among
   *     them and repeats are dropped
   */
  public QueueServerDirectory(String self, List<String> peers) {
    this.self = normalize(Objects.requireNonNull(self, "self"));
    Set<String> p = new LinkedHashSet<>();
    for (String peer : peers) {
      String n = normalize(peer);
      if (!n.equals(this.self)) {
        p.add(n);
      }
    }
    this.configured = List.copyOf(p);
    this.known = compute();
  }

  /**
   * Every queue server known, this one first, then the configured peers, then the learned ones in
   * order of their addresses. Any thread; never blocks.
   */
  public List<String> known() {
    return known;
  }

  /**
   * Records the queue servers node {@code nodeId} (authenticated) reports, in place of its previous
   * report. Returns whether {@link #known} changed. Core thread.
   */
  boolean report(String nodeId, List<String> reported) {
    if (reported.equals(rawReports.get(nodeId))) {
      return false; // the usual case: every steal and renewal repeats the same list
    }
    rawReports.put(nodeId, List.copyOf(reported));
    List<String> kept = new ArrayList<>();
    for (String entry : reported) {
      if (kept.size() == MAX_PER_REPORT) {
        LIMITED_LOG.log(
            Level.WARNING,
            "queue-servers-many:" + nodeId,
            () ->
                "node "
                    + nodeId
                    + " reports "
                    + reported.size()
                    + " queue servers; only the first "
                    + MAX_PER_REPORT
                    + " count",
            null);
        break;
      }
      try {
        kept.add(HostPort.parse(entry).toString());
      } catch (IllegalArgumentException e) {
        LIMITED_LOG.log(
            Level.WARNING,
            "queue-servers-malformed:" + nodeId,
            () ->
                "node "
                    + nodeId
                    + " reports a queue server that is not host:port, left out: "
                    + e.getMessage(),
            null);
      }
    }
    reports.put(nodeId, List.copyOf(kept));
    List<String> before = known;
    known = compute();
    if (!known.equals(before)) {
      LOG.info(() -> "the queue servers of this cluster, as far as this one knows: " + known);
      return true;
    }
    return false;
  }

  private List<String> compute() {
    Set<String> learned = new TreeSet<>();
    reports.values().forEach(learned::addAll);
    learned.remove(self);
    learned.removeAll(configured);
    List<String> all = new ArrayList<>();
    all.add(self);
    all.addAll(configured);
    learned.stream().limit(MAX_LEARNED).forEach(all::add);
    if (learned.size() > MAX_LEARNED) {
      LIMITED_LOG.log(
          Level.WARNING,
          "queue-servers-learned",
          () ->
              "the nodes report "
                  + learned.size()
                  + " other queue servers; only "
                  + MAX_LEARNED
                  + " are passed on to clients",
          null);
    }
    return List.copyOf(all);
  }

  /** {@code host:port} as {@link HostPort} writes it, or as given if it does not parse. */
  private static String normalize(String address) {
    try {
      return HostPort.parse(address).toString();
    } catch (IllegalArgumentException e) {
      return address;
    }
  }
}
