package io.spindle.node.infrastructure.runtime;

import io.spindle.node.infrastructure.federation.FederationSettings;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * Secrets from files: each secret setting ({@value NodeSettings#SECRET}, {@value
 * NodeSettings#DB_PASSWORD}, {@value FederationSettings#SECRET}, {@value
 * FederationSettings#REDIS_PASSWORD}) may instead name a file that holds it, under the same key
 * with {@value #FILE_SUFFIX} ({@code spindle.secret-file}, env {@code SPINDLE_SECRET_FILE}), as
 * container secrets are mounted ({@code /run/secrets/NAME}). The value itself wins when both are
 * set; the file's text is taken without its trailing line break.
 */
public final class SecretFiles {
  /** What a secret's key gets to name the file that holds it. */
  public static final String FILE_SUFFIX = "-file";

  /** The settings that may come from a file. */
  public static final Set<String> SECRET_KEYS =
      Set.of(
          NodeSettings.SECRET,
          NodeSettings.DB_PASSWORD,
          FederationSettings.SECRET,
          FederationSettings.REDIS_PASSWORD);

  /** A secret may be a few KiB at most (a password, a key); a larger file is a mistake. */
  static final long MAX_BYTES = 64 * 1024;

  private SecretFiles() {}

  /** {@code spindle.secret} → {@code spindle.secret-file}. */
  public static String fileKey(String secretKey) {
    return secretKey + FILE_SUFFIX;
  }

  /**
   * {@code lookup}, where a secret setting that is not set is read from the file its {@code -file}
   * key names.
   *
   * @throws IllegalArgumentException (from the returned function) when that file cannot be read,
   *     naming the setting and the file
   */
  public static Function<String, Optional<String>> resolving(
      Function<String, Optional<String>> lookup) {
    return key -> {
      Optional<String> value = lookup.apply(key).filter(v -> !v.isBlank());
      if (value.isPresent() || !SECRET_KEYS.contains(key)) {
        return value;
      }
      return lookup
          .apply(fileKey(key))
          .map(String::strip)
          .filter(v -> !v.isEmpty())
          .map(file -> read(key, Path.of(file)));
    };
  }

  private static String read(String key, Path file) {
    String setting = NodeSettings.describe(fileKey(key));
    try {
      long size = Files.size(file);
      if (size > MAX_BYTES) {
        throw new IllegalArgumentException(
            setting + " names " + file + ", " + size + " bytes: a secret file holds one value");
      }
      String text = Files.readString(file, StandardCharsets.UTF_8);
      return text.endsWith("\r\n")
          ? text.substring(0, text.length() - 2)
          : text.endsWith("\n") ? text.substring(0, text.length() - 1) : text;
    } catch (IOException e) {
      throw new IllegalArgumentException(
          setting
              + " names "
              + file
              + ", which cannot be read ("
              + e
              + "): mount the secret there"
              + " or give "
              + NodeSettings.describe(key)
              + " itself",
          e);
    }
  }
}
