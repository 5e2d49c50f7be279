package io.spindle.node.domain.count;

/**
 * A polynomial hash of a byte string modulo the Mersenne prime 2^61 - 1 that can be combined: the
 * hash of {@code a ++ b} follows from the hashes of {@code a} and {@code b} and the length of
 * {@code b}. Tells long words apart without keeping their bytes ({@link Word}).
 */
final class PolyHash {
  static final long MODULUS = (1L << 61) - 1;
  // Any base in [2^40, 2^61) does; this one is a fixed random draw, so that every node agrees.
  private static final long BASE = 0x0c5f_3b1e_9d27_4a61L % MODULUS;

  private PolyHash() {}

  /** The hash of {@code length} bytes of {@code data} from {@code offset}. */
  static long of(byte[] data, int offset, int length) {
    long h = 0;
    for (int i = offset; i < offset + length; i++) {
      h = step(h, data[i]);
    }
    return h;
  }

  /** The hash of a string extended by one byte (bytes count as 1..256, so zeros are not lost). */
  static long step(long hash, byte b) {
    return reduce(mulMod(hash, BASE) + (b & 0xff) + 1);
  }

  /** The hash of {@code a ++ b}, given {@code b}'s length. */
  static long concat(long hashA, long hashB, long lengthB) {
    return reduce(mulMod(hashA, pow(lengthB)) + hashB);
  }

  private static long pow(long exponent) {
    long result = 1;
    long square = BASE;
    for (long e = exponent; e > 0; e >>>= 1) {
      if ((e & 1) != 0) {
        result = mulMod(result, square);
      }
      square = mulMod(square, square);
    }
    return result;
  }

  /** {@code a * b mod 2^61 - 1} for {@code a, b < 2^61}. */
  static long mulMod(long a, long b) {
    long low = a * b;
    long high = Math.multiplyHigh(a, b);
    // a*b = high * 2^64 + low = (high << 3 | low >>> 61) * 2^61 + (low & M), and 2^61 = 1 (mod M).
    return reduce((low & MODULUS) + ((low >>> 61) | (high << 3)));
  }

  private static long reduce(long x) {
    long r = (x & MODULUS) + (x >>> 61);
    return r >= MODULUS ? r - MODULUS : r;
  }
}
