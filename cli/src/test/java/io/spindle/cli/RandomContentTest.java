package io.spindle.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class RandomContentTest {
  @Test
  void anyRangeReadsAsTheSameSliceOfTheWhole() {
    RandomContent c = new RandomContent(42, 100);
    byte[] whole = new byte[100];
    c.read(0, whole, 100);
    for (int from = 0; from < 100; from++) {
      for (int length = 0; from + length <= 100; length += 7) {
        byte[] part = new byte[length];
        c.read(from, part, length);
        assertArrayEquals(
            Arrays.copyOfRange(whole, from, from + length), part, from + "+" + length);
      }
    }
  }

  @Test
  void seedsDifferAndReadsStayInside() {
    byte[] a = new byte[64];
    byte[] b = new byte[64];
    new RandomContent(1, 64).read(0, a, 64);
    new RandomContent(2, 64).read(0, b, 64);
    assertFalse(Arrays.equals(a, b));
    assertThrows(IndexOutOfBoundsException.class, () -> new RandomContent(1, 64).read(60, a, 8));
  }
}
