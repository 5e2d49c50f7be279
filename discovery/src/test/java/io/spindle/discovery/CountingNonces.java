package io.spindle.discovery;

import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicLong;

/** Deterministic nonces: a tag and a counter, distinct per instance tag. */
final class CountingNonces implements NonceSource {
  private final long tag;
  private final AtomicLong next = new AtomicLong();

  CountingNonces(long tag) {
    this.tag = tag;
  }

  @Override
  public void fill(byte[] nonce) {
    ByteBuffer.wrap(nonce).putLong(tag).putLong(next.incrementAndGet());
  }
}
