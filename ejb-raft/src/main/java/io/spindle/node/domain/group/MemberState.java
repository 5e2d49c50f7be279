package io.spindle.node.domain.group;

import java.util.Locale;

/**
 * A member is {@link #ALIVE}, or {@link #SUSPECT} once a probe of it failed and until one succeeds
 * (it is removed after several consecutive failures).
 */
public enum MemberState {
  ALIVE,
  SUSPECT;

  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }
}
