package io.spindle.node.domain;

import java.net.URI;
import java.util.Objects;

/**
 * How to reach a member: its Raft peer address ({@code host:port}) and the base URL of its web
 * interface. Carried through the Raft log in {@link io.spindle.raft.Member#address()} as {@code
 * raftAddress;httpUrl}, e.g. {@code 127.0.0.1:7000;http://127.0.0.1:3000}.
 */
public record MemberAddress(String raftAddress, URI httpUrl) {
  public MemberAddress {
    Objects.requireNonNull(raftAddress, "raftAddress");
    Objects.requireNonNull(httpUrl, "httpUrl");
  }

  public static MemberAddress parse(String encoded) {
    int semicolon = encoded.indexOf(';');
    if (semicolon <= 0 || semicolon == encoded.length() - 1) {
      throw new IllegalArgumentException(
          "a member address is 'host:port;http://host:port', got '" + encoded + "'");
    }
    return new MemberAddress(
        encoded.substring(0, semicolon), URI.create(encoded.substring(semicolon + 1)));
  }

  public String encode() {
    return raftAddress + ";" + httpUrl;
  }
}
