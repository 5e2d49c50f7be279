package io.spindle.discovery;

/** Why a datagram was dropped without an answer. Each drop is counted and logged (rate-limited). */
public enum DropReason {
  /** Larger than {@link DatagramAuthenticator#MAX_DATAGRAM_BYTES}; not parsed. */
  OVERSIZE("larger than the maximum datagram size"),
  /** Not a DiscoveryDatagram: garbage, truncated, or from some other program. */
  MALFORMED("not a discovery datagram (garbage or truncated)"),
  /** Another protocol version. */
  WRONG_VERSION("another protocol version"),
  /** Another cluster's datagram, on the same network. */
  WRONG_CLUSTER("from another cluster"),
  /** The nonce is not 16 bytes or the HMAC is not 32 bytes. */
  BAD_NONCE("a nonce or HMAC of the wrong length"),
  /** The HMAC does not verify: a forgery, a corrupted datagram, or a sender with another secret. */
  BAD_SIGNATURE("the HMAC does not verify: forged, corrupted, or signed with another secret"),
  /** The timestamp is older than the skew window: a late replay, or a clock behind ours. */
  STALE("timestamp too old: a late replay, or the sender's clock is behind"),
  /** The timestamp is further ahead than the skew window: the sender's clock is ahead of ours. */
  FUTURE("timestamp in the future: the sender's clock is ahead"),
  /** A nonce already accepted within the window: a replay. */
  REPLAYED("a replay of a datagram already accepted"),
  /** Too many distinct datagrams within the window to remember; refused rather than forgotten. */
  REPLAY_CACHE_FULL("too many datagrams within the skew window to check for replays"),
  /** Authentic, but the body is missing, unparsable, or not a valid message. */
  BAD_BODY("an authentic datagram with an invalid body"),
  /** Authentic, but not what this side expects (a request to a node, an edge list to a server). */
  UNEXPECTED("an authentic datagram of a kind this side does not take"),
  /** An authentic edge list that answers no request of the current discovery. */
  UNSOLICITED("an edge list answering no request of ours (a replayed or misdirected reply)"),
  /** A LOOPBACK server got a datagram from outside the machine. */
  NOT_LOOPBACK("from outside the machine, to a LOOPBACK discovery server");

  private final String description;

  DropReason(String description) {
    this.description = description;
  }

  /** What the reason means, for a log line. */
  public String description() {
    return description;
  }
}
