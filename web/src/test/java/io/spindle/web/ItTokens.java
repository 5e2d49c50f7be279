package io.spindle.web;

/** The client tokens the web ITs' node knows (their hashes are in src/test/resources/it-tokens). */
final class ItTokens {
  /** Read and write. */
  static final String TOKEN = "spt_web-it-read-write-token-0123456789";

  /** Read only. */
  static final String READ_TOKEN = "spt_web-it-read-only-token-0123456789";

  static final String BEARER = "Bearer " + TOKEN;

  private ItTokens() {}
}
