package io.spindle.node.domain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The naming rules of a stored file's key. */
class FileNameTest {
  @ParameterizedTest
  @ValueSource(
      strings = {"a", "docs/a.txt", "a/b/c.d", "ünïcode/ファイル.txt", "emoji-😀", "a..b", ".hidden"})
  void acceptsObjectStoreKeys(String name) {
    assertEquals(name, FileName.of(name).value());
    assertEquals(name, new String(FileName.of(name).utf8(), StandardCharsets.UTF_8));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "..",
        "../a",
        "a/..",
        "a/../b",
        ".",
        "a/./b",
        "/a",
        "a//b",
        "a/",
        "a\0b",
        "a\nb",
        "a\u007fb",
        "\u0001"
      })
  void refusesEmptyDotSegmentsAndControlCharacters(String name) {
    InvalidFileNameException e =
        assertThrows(InvalidFileNameException.class, () -> FileName.of(name));
    assertTrue(!e.getMessage().isEmpty());
  }

  @Test
  void limitsTheNameTo1024BytesOfUtf8() {
    assertEquals(1024, FileName.of("a".repeat(1024)).utf8().length);
    assertThrows(InvalidFileNameException.class, () -> FileName.of("a".repeat(1025)));
    // 342 three-byte characters = 1,026 bytes though only 342 chars
    assertThrows(InvalidFileNameException.class, () -> FileName.of("ア".repeat(342)));
    assertEquals(1023, FileName.of("ア".repeat(341)).utf8().length);
  }

  @Test
  void refusesALoneSurrogate() {
    assertThrows(InvalidFileNameException.class, () -> FileName.of("a\uD800b"));
  }
}
