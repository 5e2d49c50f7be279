/*
 * Prints, for the C.UTF-8 locale of this machine's C library, the code point ranges that GNU wc
 * (coreutils 9.1) treats as word separators and as word characters. wc separates words at the
 * ASCII white space (\t \n \v \f \r and space) and at a *printable* character that is iswspace
 * or one of the no-break spaces U+00A0, U+2007, U+202F, U+2060; any other printable character is
 * part of a word; everything else (controls, unprintable characters such as U+2028, invalid
 * bytes) is neutral: it neither starts nor ends a word. Output: one "S|P first last" line per range.
 * Build and run: cc -O2 -o /tmp/wctype-classes tools/wctype-classes.c && /tmp/wctype-classes
 */
#include <locale.h>
#include <stdio.h>
#include <wctype.h>

static int nbspace(wint_t c) {
  return c == 0x00A0 || c == 0x2007 || c == 0x202F || c == 0x2060;
}

static char classify(wint_t c) {
  if (c >= 0xD800 && c <= 0xDFFF) return 'N';
  if (c == ' ' || (c >= '\t' && c <= '\r')) return 'S';
  if (!iswprint(c)) return 'N';
  return iswspace(c) || nbspace(c) ? 'S' : 'P';
}

int main(void) {
  if (!setlocale(LC_ALL, "C.UTF-8")) {
    fprintf(stderr, "no C.UTF-8 locale\n");
    return 1;
  }
  char current = classify(0);
  unsigned first = 0;
  for (unsigned c = 1; c <= 0x110000; c++) {
    char k = c == 0x110000 ? 0 : classify(c);
    if (k != current) {
      if (current != 'N') printf("%c %X %X\n", current, first, c - 1);
      current = k;
      first = c;
    }
  }
  return 0;
}
